import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { issueCertificate, makeCa, pemFolder } from '@gpulab/platform/testing';
import { runCli } from './cli-runner';
import { tempDir } from './temp-dir';

describe('the CLI reaches a TLS gateway through GPULAB_TLS_CA', () => {
  const dir = tempDir('tls');
  const pem = pemFolder('tls-e2e');
  let stack: LocalStack;
  let ca: string;
  let base: Record<string, string>;

  before(async () => {
    const authority = await makeCa('course CA');
    const server = await issueCertificate(authority, 'gateway', ['localhost', '127.0.0.1']);
    ca = pem.write('ca.pem', authority.cert);
    stack = await LocalStack.start({
      dataDir: join(dir.path, 'data'),
      port: 0,
      env: { GPULAB_TLS_CERT: pem.write('gateway.pem', server.cert), GPULAB_TLS_KEY: pem.write('gateway-key.pem', server.key) },
      clientTls: { ca: authority.cert },
    });
    base = { GPULAB_ADDR: stack.address, GPULAB_TOKEN: stack.tokens.teams.demo };
  });

  after(async () => {
    await stack?.close();
    dir.remove();
    pem.remove();
  });

  it('lists jobs when it trusts the gateway’s CA', async () => {
    const run = await runCli(['jobs'], { ...base, GPULAB_TLS_CA: ca });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stderr, '');
  });

  it('says to turn TLS on when it speaks plaintext to it', async () => {
    const run = await runCli(['jobs'], base);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: the gateway at localhost:\d+ closed the plaintext connection: if it uses TLS, set GPULAB_TLS=1 .*\(UNAVAILABLE\)\n$/);
  });

  it('says to set GPULAB_TLS_CA when the system roots do not trust it (GPULAB_TLS=1)', async () => {
    const run = await runCli(['jobs'], { ...base, GPULAB_TLS: '1' });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /is not trusted: set GPULAB_TLS_CA to its CA file/);
  });

  it('names the variable of a CA file that does not exist', async () => {
    const run = await runCli(['jobs'], { ...base, GPULAB_TLS_CA: join(dir.path, 'no-such-ca.pem') });
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^error: GPULAB_TLS_CA: cannot read .*no-such-ca\.pem \(no such file\)\n$/);
  });
});
