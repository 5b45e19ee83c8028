import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heartbeatSubject } from '@gpulab/contracts';
import { freePort } from './free-port';
import { connectNats } from './nats-connection';
import { isStrayNatsDialError } from './nats-stray-errors';
import { NatsServerProcess } from './nats-server-process';
import { startHeartbeat } from './heartbeat';

describe('worker heartbeats', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gpulab-heartbeat-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('beat once nats-server comes up, when it was down as the worker started', async () => {
    const port = await freePort();
    const restarts: string[] = [];
    const stop = startHeartbeat({ natsUrl: `nats://127.0.0.1:${port}`, jobId: 'j-beat', attempt: 1, intervalMs: 100, onRestart: (e) => restarts.push(e.message) });
    await new Promise((r) => setTimeout(r, 300));
    const server = await NatsServerProcess.start({ port, storeDir: join(dir, 'store') });
    const nc = await connectNats({ url: server.url, name: 'beats' });
    try {
      const beats = nc.subscribe(heartbeatSubject('j-beat', 1));
      let seen = 0;
      const deadline = setTimeout(() => beats.unsubscribe(), 10_000);
      for await (const beat of beats) {
        beat.respond(JSON.stringify({ current: true }));
        if (++seen === 3) break;
      }
      clearTimeout(deadline);
      assert.equal(seen, 3, 'three beats arrived');
      assert.ok(restarts.length >= 1, 'the thread that could not connect was started again');
    } finally {
      await stop();
      await nc.close();
      await server.close();
    }
  });

  it('tells the NATS client’s own reconnect rejections from every other error', () => {
    const stray = new Error('timeout');
    stray.name = 'TimeoutError';
    stray.stack = 'TimeoutError: timeout\n    at timeout (util.js:53:31)\n    at ProtocolHandler.dial (protocol.js:472:49)\n    at ProtocolHandler._doDial (protocol.js:520:28)';
    assert.equal(isStrayNatsDialError(stray), true);
    const ours = new Error('timeout');
    ours.name = 'TimeoutError';
    assert.equal(isStrayNatsDialError(ours), false, 'a timeout of our own request');
    assert.equal(isStrayNatsDialError(new TypeError('x')), false);
    assert.equal(isStrayNatsDialError('timeout'), false);
  });
});
