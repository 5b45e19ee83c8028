import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { connectNats, NatsServerProcess, openJetStreamResources } from '@gpulab/platform';
import { LocalStack } from '@gpulab/local-stack';
import { StoreInspector } from './store-inspector';
import { tempDir } from './temp-dir';

describe('a data folder from before NATS had identities', () => {
  const dir = tempDir('store-upgrade');
  let stack: LocalStack | undefined;
  let inspector: StoreInspector | undefined;

  after(async () => {
    await inspector?.close();
    await stack?.close();
    dir.remove();
  });

  it('keeps what the anonymous store held, and is private to its user afterwards', async () => {
    const old = await NatsServerProcess.start({ storeDir: join(dir.path, 'nats') });
    const nc = await connectNats({ url: old.url, name: 'old-stack' });
    await (await openJetStreamResources(nc)).artifactIndex.put('artifacts.art-kept', '{"kept":true}');
    await nc.close();
    await old.close();

    stack = await LocalStack.start({ dataDir: dir.path, port: 0 });
    inspector = await StoreInspector.open(stack.nats.url, stack.natsCreds('scheduler'));
    assert.equal((await inspector.resources.artifactIndex.get('artifacts.art-kept'))?.string(), '{"kept":true}');
    const anonymous = await connectNats({ url: stack.nats.url, name: 'anonymous', maxReconnectAttempts: 0 }).then(
      (c) => c.close().then(() => 'connected'),
      () => 'refused',
    );
    assert.equal(anonymous, 'refused');
    for (const path of [dir.path, join(dir.path, 'nats'), join(dir.path, 'logs'), join(dir.path, 'nats-auth')]) {
      assert.equal(statSync(path).mode & 0o777, 0o700, path);
    }
    for (const file of ['nats-auth/scheduler.creds', 'nats-auth/gateway.creds', 'nats-auth/worker-signer.json', 'nats-auth/identities.json', 'logs/gateway.log', 'tokens.json']) {
      assert.equal(statSync(join(dir.path, file)).mode & 0o777, 0o600, file);
    }
  });
});
