import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventFanOut, FellBehindError } from './event-fan-out';

async function take<T>(reader: AsyncGenerator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const next = await reader.next();
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

describe('one source of events read by many', () => {
  it('gives every reader the whole history, then the live events, then ends', async () => {
    const fan = new EventFanOut<number>(100);
    fan.append(1);
    fan.append(2);
    const early = fan.read(new AbortController().signal);
    assert.deepEqual(await take(early, 2), [1, 2]);
    fan.append(3);
    const late = fan.read(new AbortController().signal);
    const lateAll = (async () => {
      const seen: number[] = [];
      for await (const e of late) seen.push(e);
      return seen;
    })();
    assert.deepEqual(await take(early, 1), [3]);
    fan.append(4);
    fan.end();
    assert.deepEqual(await take(early, 5), [4]);
    assert.deepEqual(await lateAll, [1, 2, 3, 4]);
  });

  it('a reader that aborts stops waiting and leaves', async () => {
    const fan = new EventFanOut<number>(100);
    const controller = new AbortController();
    const reader = fan.read(controller.signal);
    const pending = reader.next();
    await new Promise((r) => setImmediate(r));
    assert.equal(fan.readers, 1);
    controller.abort();
    assert.deepEqual(await pending, { done: true, value: undefined });
    assert.equal(fan.readers, 0);
  });

  it('passes an error to readers once they have read what came before it', async () => {
    const fan = new EventFanOut<number>(100);
    fan.append(1);
    fan.end(new Error('the store went away'));
    const reader = fan.read(new AbortController().signal);
    assert.deepEqual(await take(reader, 1), [1]);
    await assert.rejects(reader.next(), /the store went away/);
  });

  it('keeps at most its bound: drops what all have read, and a reader too far behind', async () => {
    const fan = new EventFanOut<number>(3);
    const slow = fan.read(new AbortController().signal);
    assert.deepEqual(await take(slow, 0), []);
    const fast = fan.read(new AbortController().signal);
    const fastSeen: number[] = [];
    for (let i = 1; i <= 3; i++) {
      fan.append(i);
      fastSeen.push(...(await take(fast, 1)));
    }
    assert.equal(fan.replaysAll, true);
    await slow.next(); // the slow reader starts, then stalls at 1
    fan.append(4);
    fan.append(5); // 4 kept beyond the slow reader's position: over the bound
    fastSeen.push(...(await take(fast, 2)));
    assert.deepEqual(fastSeen, [1, 2, 3, 4, 5]);
    await assert.rejects(slow.next(), FellBehindError);
    assert.equal(fan.replaysAll, false, 'a new reader would miss the first events');
  });
});
