import { createHash } from 'node:crypto';

/** Member tokens are stored only as this hash; the gateway hashes what a caller presents. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
