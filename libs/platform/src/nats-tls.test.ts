import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { connectNats, natsTlsFromEnv } from './nats-connection';
import { createNatsIdentities, type NatsIdentities, serverAuthConfig } from './nats-identities';
import { NatsServerProcess } from './nats-server-process';
import { issueCertificate, makeCa, pemFolder } from './testing/test-certificates';

describe('TLS to nats-server', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-nats-tls-'));
  const pems = pemFolder('nats-tls-pems');
  let server: NatsServerProcess | undefined;
  let identities: NatsIdentities;
  let caFile = '';

  before(async () => {
    const ca = await makeCa('nats test CA');
    const cert = await issueCertificate(ca, 'nats', ['127.0.0.1', 'localhost']);
    caFile = pems.write('ca.pem', ca.cert);
    const certFile = pems.write('nats.pem', cert.cert);
    const keyFile = pems.write('nats-key.pem', cert.key);
    identities = await createNatsIdentities();
    const operator = join(dir, 'operator.jwt');
    writeFileSync(operator, identities.operatorJwt);
    const tls = `tls {\n  cert_file: ${JSON.stringify(certFile)}\n  key_file: ${JSON.stringify(keyFile)}\n}`;
    server = await NatsServerProcess.start({ storeDir: join(dir, 'store'), authConfig: `${serverAuthConfig(identities, operator)}\n${tls}` });
  });

  after(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
    pems.remove();
  });

  it('connects with the CA of GPULAB_NATS_TLS_CA, and not without it', async () => {
    assert.ok(server);
    const tls = natsTlsFromEnv({ GPULAB_NATS_TLS_CA: caFile });
    const nc = await connectNats({ url: server.url, name: 'tls', creds: identities.creds.scheduler, tls, maxReconnectAttempts: 0 });
    await nc.flush();
    await nc.close();
    await assert.rejects(connectNats({ url: server.url, name: 'untrusted', creds: identities.creds.scheduler, tls: {}, maxReconnectAttempts: 0 }));
  });

  it('wants a client certificate and its key together', () => {
    assert.equal(natsTlsFromEnv({}), undefined);
    assert.throws(() => natsTlsFromEnv({ GPULAB_NATS_TLS_CERT: 'c.pem' }), /GPULAB_NATS_TLS_CERT and GPULAB_NATS_TLS_KEY go together/);
  });
});
