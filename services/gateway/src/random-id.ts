import { randomBytes } from 'node:crypto';

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** Makes the random part of ids; tests pass their own to get known ids. */
export type RandomId = () => string;

/** 16 lower-case base32 letters: 80 random bits, safe in subjects, keys and object names. */
export const randomBase32: RandomId = () => {
  const bytes = randomBytes(10);
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return out;
};
