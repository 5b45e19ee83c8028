import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitReason } from '@gpulab/run-job';
import { keptFilesHint, keptFilesLine } from './kept-files';
import { aJob } from './testing/views';

const kept = { outcome: 'failed', files: [{ name: 'log.txt' }, { name: 'plot.png' }] };

describe("the line gpulab result says before what a job that did not succeed kept", () => {
  it('names the state, the exit code and how many files are downloaded', () => {
    const job = aJob({ id: 'j-a', kind: 'run', state: 'FAILED', reason: exitReason({ kind: 'exited', code: 3 }, 'Traceback'), result: kept });
    assert.equal(keptFilesLine(job, true), 'job j-a FAILED (exit 3): downloading the 2 files it kept');
  });

  it('gives the first line of the reason for a job that timed out or was cancelled', () => {
    const timedOut = aJob({ id: 'j-a', state: 'FAILED', reason: exitReason({ kind: 'signal', signal: 'SIGTERM' }, 'x', 'timeout'), result: { files: [{ name: 'a' }] } });
    assert.match(keptFilesLine(timedOut, true) ?? '', /^job j-a FAILED \(the command was killed by SIGTERM \(.*timeout.*\)\): downloading the 1 file it kept$/);
    const cancelled = aJob({ id: 'j-b', state: 'CANCELLED', reason: 'cancelled by ada', result: kept });
    assert.match(keptFilesLine(cancelled, false) ?? '', /^job j-b CANCELLED \(cancelled by ada\): the 2 files it kept are listed below; "gpulab result j-b --out DIR" downloads them$/);
  });

  it('says nothing for a job that succeeded or kept nothing', () => {
    assert.equal(keptFilesLine(aJob({ state: 'SUCCEEDED', result: kept }), true), undefined);
    assert.equal(keptFilesLine(aJob({ state: 'FAILED', reason: 'x' }), true), undefined);
    assert.equal(keptFilesHint(aJob({ state: 'SUCCEEDED', result: kept })), undefined);
  });

  it('tells gpulab run and watch of a failed job where its kept files are', () => {
    assert.equal(keptFilesHint(aJob({ id: 'j-a', state: 'FAILED', result: kept })), 'the 2 files it kept: gpulab result j-a --out DIR');
  });
});
