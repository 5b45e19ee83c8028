import { randomBytes } from 'node:crypto';
import { base32Id } from '@gpulab/contracts';

/** Makes the random part of ids; tests pass their own to get known ids. */
export type RandomId = () => string;

/** 16 lower-case base32 letters: 80 random bits, safe in subjects, keys and object names. */
export const randomBase32: RandomId = () => base32Id(randomBytes(10));
