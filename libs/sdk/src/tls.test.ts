import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { channelCredentials, tlsFromEnv } from './tls';

// The TLS handshakes themselves are pinned against a real gateway in services/gateway/src/tls.test.ts.
describe('tlsFromEnv', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-sdk-tls-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('is plaintext when nothing is set, as for the local stack', () => {
    assert.equal(tlsFromEnv({}), false);
    assert.equal(tlsFromEnv({ GPULAB_TLS: '', GPULAB_TLS_CA: '' }), false);
    assert.equal(tlsFromEnv({ GPULAB_TLS: '0' }), false);
  });

  it('GPULAB_TLS=1 asks for TLS trusting the system roots', () => {
    for (const v of ['1', 'true', 'yes', 'ON']) assert.equal(tlsFromEnv({ GPULAB_TLS: v }), true);
  });

  it('refuses a GPULAB_TLS that is neither on nor off, quoting it only briefly', () => {
    assert.throws(() => tlsFromEnv({ GPULAB_TLS: 'maybe' }), /GPULAB_TLS: "maybe" must be 1 \(TLS\) or 0 \(plaintext\)/);
    assert.throws(
      () => tlsFromEnv({ GPULAB_TLS: 'x'.repeat(500) }),
      (e: Error) => e.message.length < 100,
    );
  });

  it('refuses GPULAB_TLS=0 beside files that ask for TLS', () => {
    assert.throws(() => tlsFromEnv({ GPULAB_TLS: '0', GPULAB_TLS_CA: '/ca.pem' }), /GPULAB_TLS=0 asks for plaintext, but GPULAB_TLS_CA ask/);
  });

  it('refuses a client certificate without its key, and a key without its certificate', () => {
    assert.throws(() => tlsFromEnv({ GPULAB_TLS_CLIENT_CERT: '/c.pem' }), /GPULAB_TLS_CLIENT_CERT is set but GPULAB_TLS_CLIENT_KEY is not/);
    assert.throws(() => tlsFromEnv({ GPULAB_TLS_CLIENT_KEY: '/k.pem' }), /GPULAB_TLS_CLIENT_KEY is set but GPULAB_TLS_CLIENT_CERT is not/);
  });

  it('names the variable and the file that cannot be read', () => {
    const missing = join(dir, 'missing.pem');
    assert.throws(() => tlsFromEnv({ GPULAB_TLS_CA: missing }), { message: `GPULAB_TLS_CA: cannot read ${missing} (no such file)` });
    assert.throws(() => tlsFromEnv({ GPULAB_TLS_CA: dir }), /GPULAB_TLS_CA: cannot read .* \(it is a folder\)/);
  });

  it('names the variable of a file that is not PEM, without echoing its content', () => {
    const junk = join(dir, 'junk.pem');
    writeFileSync(junk, 'very secret junk');
    const key = join(dir, 'key.pem');
    writeFileSync(key, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
    for (const [env, expected] of [
      [{ GPULAB_TLS_CA: junk }, `GPULAB_TLS_CA: ${junk} is not a PEM certificate`],
      [{ GPULAB_TLS_CLIENT_CERT: junk, GPULAB_TLS_CLIENT_KEY: key }, `GPULAB_TLS_CLIENT_CERT: ${junk} is not a PEM certificate`],
    ] as const) {
      assert.throws(
        () => tlsFromEnv(env),
        (e: Error) => e.message.startsWith(expected) && !e.message.includes('secret'),
      );
    }
  });
});

describe('channelCredentials', () => {
  it('is insecure for plaintext and secure for TLS', () => {
    assert.equal(channelCredentials(false)._isSecure(), false);
    assert.equal(channelCredentials(true)._isSecure(), true);
  });

  it('refuses a client certificate without its key', () => {
    assert.throws(() => channelCredentials({ cert: 'x' }), /a client certificate \(cert\) needs its key/);
  });

  it('refuses contents that are not PEM with a message, not an OpenSSL code', () => {
    assert.throws(() => channelCredentials({ cert: 'not pem', key: 'not pem' }), /tls: the CA certificate, client certificate or key is not valid PEM/);
  });
});
