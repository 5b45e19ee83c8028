import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { ErrorCodes, TUTORS_TEAM } from '@gpulab/contracts';
import { GatewayError } from './errors';
import { TokenAuthenticator } from './token-authenticator';

const bearer = (token?: string) => {
  const metadata = new Metadata();
  if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
  return metadata;
};

const refusedWith = (code: string, message: RegExp) => (error: unknown) => error instanceof GatewayError && error.code === code && message.test(error.message);

describe('TokenAuthenticator with a tokens file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-token-authenticator-'));
  const file = join(dir, 'tokens.json');
  writeFileSync(file, JSON.stringify({ tutor: 'tutor-token', teams: { alpha: 'alpha-token', [TUTORS_TEAM]: 'tutors-team-token', gateway: 'gateway-team-token' } }));
  const auth = new TokenAuthenticator(file);

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('knows the tutor and the teams of the file', async () => {
    assert.deepEqual(await auth.authenticate(bearer('tutor-token')), { role: 'tutor', name: 'tutor' });
    assert.deepEqual(await auth.authenticate(bearer('alpha-token')), { role: 'member', team: 'alpha', name: 'alpha' });
  });

  it("refuses the token of a team named like the tutors, whose jobs and uploads it would reach, and says who must fix it", async () => {
    await assert.rejects(auth.authenticate(bearer('tutors-team-token')), refusedWith(ErrorCodes.permissionDenied, /team "tutors" of the tokens file has a name reserved.*a tutor must rename it/));
    await assert.rejects(auth.authenticate(bearer('gateway-team-token')), refusedWith(ErrorCodes.permissionDenied, /team "gateway"/));
  });

  it('refuses no token, a malformed header and an unknown token as UNAUTHENTICATED', async () => {
    await assert.rejects(auth.authenticate(bearer()), refusedWith(ErrorCodes.unauthenticated, /no token/));
    const malformed = new Metadata();
    malformed.set('authorization', 'Basic abc');
    await assert.rejects(auth.authenticate(malformed), refusedWith(ErrorCodes.unauthenticated, /must be "Bearer <token>"/));
    await assert.rejects(auth.authenticate(bearer('alpha-tokenx')), refusedWith(ErrorCodes.unauthenticated, /not valid/));
  });
});
