import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { freePort } from '@gpulab/platform';
import { issueCertificate, makeCa } from '@gpulab/platform/testing';
import { REPO_ROOT } from './repo-paths';

const PROBE = join(REPO_ROOT, 'deploy', 'images', 'grpc-health-probe.js');

/** The probe's exit code and what it printed, as the kubelet sees them. */
async function probe(port: number): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [PROBE, String(port)], { timeout: 15_000 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

describe('the gateway image’s gRPC health probe over TLS', () => {
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  const server = new Server();
  let port: number;
  before(async () => {
    const ca = await makeCa('probe-ca');
    // The certificate names the public host only, as the gateway's does: the probe dials 127.0.0.1.
    const leaf = await issueCertificate(ca, 'gpulab.example.org', ['gpulab.example.org']);
    health.addToServer(server);
    port = await freePort();
    await promisify(server.bindAsync.bind(server))(`127.0.0.1:${port}`, ServerCredentials.createSsl(null, [{ cert_chain: Buffer.from(leaf.cert), private_key: Buffer.from(leaf.key) }]));
  });
  after(() => server.forceShutdown());

  it('fails while the gateway is not serving yet', async () => {
    health.setStatus('', 'NOT_SERVING');
    const result = await probe(port);
    assert.equal(result.code, 1);
    assert.match(result.output, /not serving \(status 2\)/);
  });

  it('passes once the gateway serves, though the certificate names another host and an unknown CA signed it', async () => {
    health.setStatus('', 'SERVING');
    assert.deepEqual(await probe(port), { code: 0, output: '' });
  });

  it('fails when nothing answers on the port', async () => {
    const result = await probe(await freePort());
    assert.equal(result.code, 1);
    assert.match(result.output, /health check failed/);
  });
});
