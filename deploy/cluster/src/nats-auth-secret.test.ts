import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { connectNats, createNatsIdentities, ensureNatsServer, type NatsConnection, NatsServerProcess, type NatsIdentities, openJetStreamResources } from '@gpulab/platform';
import { failure } from '@gpulab/platform/testing';
import { renderChart } from './chart-render';
import { NATS_AUTH_KEYS, natsAuthSecret } from './nats-auth-secret';
import { helmUnavailable, testHelm } from './testing-helm';


describe('the NATS identities Secret', () => {
  let identities: NatsIdentities;
  let secret: ReturnType<typeof natsAuthSecret>;
  let server: NatsServerProcess;
  let storeDir: string;
  const connections: NatsConnection[] = [];
  before(async () => {
    identities = await createNatsIdentities();
    secret = natsAuthSecret(identities, { namespace: 'course' });
    storeDir = mkdtempSync(join(tmpdir(), 'gpulab-nats-auth-secret-'));
    // The server reads the Secret's auth.conf as it is, as the chart's NATS does.
    server = await NatsServerProcess.start({ storeDir, authConfig: secret.stringData['auth.conf'] });
  });
  after(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
    await server?.close();
    rmSync(storeDir, { recursive: true, force: true });
  });
  const connectAs = async (creds: string | undefined) => {
    const nc = await connectNats({ url: server.url, name: 'secret-probe', creds, maxReconnectAttempts: 0 });
    connections.push(nc);
    return nc;
  };

  it('is a Secret of the namespace given, holding every key the chart mounts', () => {
    assert.equal(secret.kind, 'Secret');
    assert.deepEqual(secret.metadata.namespace, 'course');
    assert.deepEqual(Object.keys(secret.stringData).sort(), [...NATS_AUTH_KEYS].sort());
  });

  it('makes nats-server refuse anyone without credentials', async () => {
    assert.match(String(await failure(() => connectAs(undefined))), /authoriz/i);
  });

  it("makes nats-server enforce the contracts' permissions: the scheduler writes job events, the gateway may not", async () => {
    const scheduler = await connectAs(secret.stringData['scheduler.creds']);
    const { js: schedulerJs } = await openJetStreamResources(scheduler);
    await schedulerJs.publish('gpulab.events.j-secret.state', '{}');
    const gateway = await connectAs(secret.stringData['gateway.creds']);
    const { js: gatewayJs } = await openJetStreamResources(gateway);
    assert.ok(await failure(() => gatewayJs.publish('gpulab.events.j-secret.state', '{}', { timeout: 1000 })), 'the gateway published a job event');
  });

  it('hands the scheduler the key that signs workers of the same account', () => {
    assert.deepEqual(JSON.parse(secret.stringData['worker-signer.json']), { accountPublicKey: identities.account.publicKey, signerSeed: identities.signerSeed });
  });

  it('has every key the chart reads from it, and the chart reads no other', { skip: helmUnavailable() }, async () => {
    const manifests = await renderChart(await testHelm());
    const keys = new Set<string>();
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(collect);
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      const source = (o.secret as { secretName?: string; name?: string; items?: { key: string }[] } | undefined) ?? undefined;
      if (source && (source.secretName ?? source.name) === 'gpulab-nats-auth') for (const item of source.items ?? []) keys.add(item.key);
      Object.values(o).forEach(collect);
    };
    collect(manifests);
    assert.deepEqual([...keys].sort(), [...NATS_AUTH_KEYS].sort());
  });

  it("with the chart's NATS configuration beside it, as the StatefulSet mounts both, makes a configuration nats-server accepts", { skip: helmUnavailable() }, async () => {
    const configMap = (await renderChart(await testHelm())).find((m) => m.kind === 'ConfigMap' && m.metadata.name === 'gpulab-nats-config');
    assert.ok(configMap, 'no NATS ConfigMap');
    const dir = join(storeDir, 'etc-nats');
    mkdirSync(join(dir, 'auth'), { recursive: true });
    writeFileSync(join(dir, 'nats.conf'), (configMap.data as Record<string, string>)['nats.conf']);
    writeFileSync(join(dir, 'auth', 'auth.conf'), secret.stringData['auth.conf']);
    const { stdout, stderr } = await promisify(execFile)(ensureNatsServer(), ['-c', join(dir, 'nats.conf'), '-t'], { env: { ...process.env, SERVER_NAME: 'gpulab-nats-0' } });
    assert.match(stdout + stderr, /configuration file .*nats\.conf is valid/);
  });
});
