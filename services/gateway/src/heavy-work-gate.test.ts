import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { GatewayError } from './errors';
import { HeavyWorkGate } from './heavy-work-gate';

/** Work that runs until the test lets it end. */
function held() {
  let end!: () => void;
  const done = new Promise<void>((resolve) => (end = resolve));
  return { end, work: () => done };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('HeavyWorkGate', () => {
  it('runs at most `concurrency` at once and starts a waiting one when a turn frees', async () => {
    const gate = new HeavyWorkGate({ concurrency: 2, maxWaiting: 4 });
    const [a, b, c] = [held(), held(), held()];
    const started: string[] = [];
    const run = (name: string, h: ReturnType<typeof held>) => gate.run('t', async () => (started.push(name), h.work()));
    const all = [run('a', a), run('b', b), run('c', c)];
    await tick();
    assert.deepEqual(started, ['a', 'b']);
    assert.deepEqual(gate.load, { running: 2, waiting: 1 });
    a.end();
    await tick();
    await tick();
    assert.deepEqual(started, ['a', 'b', 'c']);
    b.end();
    c.end();
    await Promise.all(all);
    assert.deepEqual(gate.load, { running: 0, waiting: 0 });
  });

  it('a gate with its own busy sentence refuses with it, counting the running and waiting', async () => {
    const gate = new HeavyWorkGate({ concurrency: 1, maxWaiting: 0, busy: (running, waiting) => `sending ${running} downloads, ${waiting} waiting` });
    const h = held();
    const first = gate.run('t', h.work);
    await assert.rejects(gate.run('t', async () => undefined), (e: unknown) => e instanceof GatewayError && e.code === 'RESOURCE_EXHAUSTED' && e.message === 'sending 1 downloads, 0 waiting');
    h.end();
    await first;
  });

  it('refuses with RESOURCE_EXHAUSTED, saying the gateway is busy, once the waiting line is full', async () => {
    const gate = new HeavyWorkGate({ concurrency: 1, maxWaiting: 1 });
    const h = held();
    const first = gate.run('t', h.work);
    const second = gate.run('t', async () => undefined);
    await assert.rejects(gate.run('t', async () => undefined), (e: unknown) => e instanceof GatewayError && e.code === 'RESOURCE_EXHAUSTED' && /busy reading 1 large files.*1 more are waiting; try again/.test(e.message));
    h.end();
    await Promise.all([first, second]);
  });

  it("gives a freed turn to a team that runs none before another of the busy team's requests", async () => {
    const gate = new HeavyWorkGate({ concurrency: 1, maxWaiting: 4 });
    const h = held();
    const order: string[] = [];
    const first = gate.run('busy', h.work);
    const rest = [gate.run('busy', async () => void order.push('busy 2')), gate.run('busy', async () => void order.push('busy 3')), gate.run('quiet', async () => void order.push('quiet'))];
    h.end();
    await Promise.all([first, ...rest]);
    assert.deepEqual(order, ['quiet', 'busy 2', 'busy 3']);
  });

  it('frees the turn of work that fails', async () => {
    const gate = new HeavyWorkGate({ concurrency: 1, maxWaiting: 0 });
    await assert.rejects(gate.run('t', async () => Promise.reject(new Error('boom'))), /boom/);
    assert.equal(await gate.run('t', async () => 'next'), 'next');
  });
});
