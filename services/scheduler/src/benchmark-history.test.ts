import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Notice, noticeSubject, TUTOR_NOTICES } from '@gpulab/contracts';
import { openJetStreamResources } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/testing';
import { BenchmarkHistory } from './benchmark-history';

/** A benchmark result of one cpu row taking `seconds` per 1,000 images. */
function aResult(seconds: number) {
  return { model: 'course-cnn', rows: [{ backend: 'cpu', device: 'cpu: test', batchSize: 4, inputSize: 32, secondsPer1000Images: seconds, imagesPerSecond: 1000 / seconds }] };
}

describe('the benchmark history the scheduler keeps', () => {
  const nats = useNatsServer('benchmark-history-test');

  it('keeps every row and tells the tutors of a regression against the runs before it', async () => {
    const resources = await openJetStreamResources(nats.nc);
    let now = Date.parse('2026-12-03T10:00:00Z');
    const history = new BenchmarkHistory(resources.jobs, resources.js, { now: () => new Date((now += 60_000)) });
    const notices: Notice[] = [];
    const sub = nats.nc.subscribe(noticeSubject(TUTOR_NOTICES), { callback: (_, msg) => void notices.push(msg.json<Notice>()) });
    for (const [i, seconds] of [10, 10, 11].entries()) assert.deepEqual((await history.record(`j-${i}`, aResult(seconds)))[0].regression, undefined);
    const slow = await history.record('j-slow', aResult(13));
    assert.deepEqual(slow[0].regression, { median: 10, ratio: 1.3 });
    assert.deepEqual(await history.record('j-none', { kl: [] }), []);
    await nats.nc.flush();
    sub.unsubscribe();
    assert.equal((await history.rows()).length, 4);
    assert.equal(notices.length, 1);
    assert.match(notices[0].message, /course-cnn on cpu .* 13 s per 1,000 images in job j-slow, 30% slower than the median 10 s/);
  });
});
