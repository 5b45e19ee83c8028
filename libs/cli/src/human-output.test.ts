import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { artifactTable, describeArtifact, describeJob, jobTable, usageLine } from './format';
import { resultLines } from './result-format';
import { assertGolden, capturedStream } from './testing/golden';
import { aBenchmarkResult, aJob, aSaliencyResult, aStorageUsage, aTrainingResult, aTsneResult, anAdversarialResult, anArtifact, anEvent } from './testing/views';
import { type TimeOptions } from './time-format';
import { usageTable } from './usage-format';
import { WatchDisplay } from './watch-display';

const BERLIN: TimeOptions = { timeZone: 'Europe/Berlin', now: new Date('2026-12-01T08:05:00Z') };

/** Golden output, and never a value printed as JavaScript prints an object. */
function golden(name: string, text: string): void {
  assert.doesNotMatch(text, /\[object Object\]/);
  assertGolden(name, text.endsWith('\n') ? text : `${text}\n`);
}

describe('gpulab get', () => {
  it("shows t-SNE's timings as a block in ms, its KL history as a table with its ends, and its long embedding by shape and file", () => {
    golden('get-tsne.txt', describeJob(aJob({ kind: 'tsne', result: aTsneResult() }), BERLIN));
  });

  it("shows a small t-SNE's embedding row by row", () => {
    golden('get-tsne-small.txt', describeJob(aJob({ kind: 'tsne', result: aTsneResult(4) }), BERLIN));
  });

  it("shows train-classifier's epochs as a table and its backend and rows as blocks", () => {
    golden('get-train-classifier.txt', describeJob(aJob({ kind: 'train-classifier', result: aTrainingResult() }), BERLIN));
  });

  it("shows a benchmark's rows as a table, then each row's GFLOP/s as a share of its backend's matMul peak", () => {
    golden('get-benchmark.txt', describeJob(aJob({ kind: 'benchmark', result: aBenchmarkResult() }), BERLIN));
  });

  it("shows saliency's ink mass as a block and adversarial examples as a table", () => {
    golden('get-saliency.txt', describeJob(aJob({ kind: 'saliency', result: aSaliencyResult() }), BERLIN));
    golden('get-adversarial.txt', describeJob(aJob({ kind: 'adversarial', result: anAdversarialResult() }), BERLIN));
  });

  it("shows a running run job's latest resource sample as sstat would, and its peak so far", () => {
    const gpu = (util: number, usedGiB: number) => ({ index: 0, utilizationPercent: util, memoryUsedBytes: usedGiB * 2 ** 30, memoryTotalBytes: 80 * 2 ** 30 });
    const resources = { cpuPercent: 180.4, rssBytes: 1.2 * 2 ** 30, gpus: [gpu(87, 10.1)], sampledAt: new Date('2026-12-01T08:04:58Z') };
    const peakResources = { cpuPercent: 395, rssBytes: 2.5 * 2 ** 30, gpus: [gpu(100, 12.4)], sampledAt: new Date('2026-12-01T08:04:58Z') };
    golden('get-running-run.txt', describeJob(aJob({ kind: 'run', state: 'RUNNING', finishedAt: undefined, backend: undefined, resources, peakResources }), BERLIN));
  });

  it('says how long a running job has run and when it was created, in the local zone and relative to now', () => {
    golden('get-running.txt', describeJob(aJob({ state: 'RUNNING', finishedAt: undefined, backend: undefined }), BERLIN));
  });
});

describe('gpulab result on a terminal', () => {
  it('prints the result as indented blocks, not one JSON line', () => {
    golden('result-tsne.txt', resultLines(aTsneResult(), '').join('\n'));
  });
});

describe('gpulab jobs', () => {
  it('lists the jobs with their creation in the local zone', () => {
    golden('jobs.txt', jobTable([aJob(), aJob({ id: 'j-01m8rc0000000000000000000a', kind: 'tsne', state: 'RUNNING', createdAt: new Date('2026-12-01T08:04:00Z') })], BERLIN));
  });
});

describe('gpulab artifacts', () => {
  it('shows a picture once as a picture, a data set with its classes, and the creation in the local zone', () => {
    golden('artifacts-show-picture.txt', describeArtifact(anArtifact({ kind: 'image', format: 'png', filename: 'seven.png', rows: 1, cols: 37_632, itemShape: [112, 112, 3], labeled: false, classNames: [] }), BERLIN));
    golden('artifacts-show-dataset.txt', describeArtifact(anArtifact(), BERLIN));
  });

  it('lists the artifacts and writes every size of the storage line in one unit', () => {
    golden('artifacts-list.txt', [artifactTable([anArtifact()], false, BERLIN), '', usageLine(aStorageUsage())].join('\n'));
  });
});

describe('gpulab usage', () => {
  it('gives GPU time in hours and minutes', () => {
    golden('usage.txt', usageTable([{ team: 'delta', date: '2026-12-01', gpuHours: 0.0091, backfillGpuHours: 0 }, { team: 'delta', date: '2026-12-02', gpuHours: 2.09, backfillGpuHours: 0.55 }]));
  });
});

describe('gpulab watch', () => {
  const tsneEvents = [
    anEvent({ type: 'state', state: 'RUNNING', assignedGpus: [{ server: 's1', index: 0 }] }, '2026-12-01T08:00:03.000Z'),
    anEvent({ type: 'log', level: 'info', message: 'path=auto: no GPU backend for TensorFlow.js here (installed: cpu), so t-SNE runs on the CPU' }, '2026-12-01T08:00:03.100Z'),
    anEvent({ type: 'log', level: 'info', message: 't-SNE runs on the CPU' }, '2026-12-01T08:00:03.110Z'),
    anEvent({ type: 'progress', fraction: 0.15, message: 'affinities (perplexity calibration)' }, '2026-12-01T08:00:03.500Z'),
    anEvent({ type: 'progress', fraction: 0.575, message: 'iteration 500/1000, KL 1.2345' }, '2026-12-01T08:00:08.000Z'),
    anEvent({ type: 'log', level: 'info', message: 'iteration 500: KL 1.2345' }, '2026-12-01T08:00:08.001Z'),
    anEvent({ type: 'log', level: 'warn', message: 'a slow step: 2.1 s' }, '2026-12-01T08:00:09.000Z'),
    anEvent({ type: 'result', backend: 'cpu' }, '2026-12-01T08:00:15.400Z'),
  ];

  it("prints a run job's metrics after its progress, then its resource sample", () => {
    const out = capturedStream(false);
    const display = new WatchDisplay(out, BERLIN);
    display.show(anEvent({ type: 'progress', fraction: 0.25, message: 'epoch 1/4', metrics: { loss: 0.312345, epoch: 1 } }, '2026-12-01T08:00:03.500Z'));
    display.show(anEvent({ type: 'progress', fraction: 0.25, message: 'epoch 1/4', metrics: { loss: 0.312345, epoch: 1 }, resources: { cpuPercent: 99.6, rssBytes: 300 * 2 ** 20, gpus: [] } }, '2026-12-01T08:00:05.000Z'));
    assert.equal(out.text(), '09:00:03.500  25% epoch 1/4  loss 0.3123  epoch 1\n09:00:05.000  25% epoch 1/4  loss 0.3123  epoch 1  (CPU 100%  memory 300.0 MB)\n');
  });

  it('prints one line per event: a t-SNE step once, the CPU once', () => {
    const out = capturedStream(false);
    const display = new WatchDisplay(out, BERLIN);
    for (const e of tsneEvents) display.show(e);
    display.stopBar();
    golden('watch-tsne.txt', out.text());
  });

  it('on a terminal, draws a line above the bar and the bar again at the fraction it had, not from 0%', () => {
    const out = capturedStream(true);
    const display = new WatchDisplay(out, BERLIN);
    for (const e of tsneEvents.slice(0, 7)) display.show(e);
    const drawn = out.text();
    display.stopBar();
    const afterWarning = drawn.slice(drawn.lastIndexOf('a slow step'));
    const [, percent] = /(\d+)% \| iteration 500/.exec(afterWarning) ?? [];
    assert.ok(Number(percent) >= 55, `the bar drawn again after the line is at ${percent}%`);
    assert.doesNotMatch(afterWarning, / 0% /);
  });
});
