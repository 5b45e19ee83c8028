import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { exitReason } from '@gpulab/run-job';
import { runExitCode } from './run-exit';
import { aJob } from './testing/views';

/** A failed run job's reason exactly as its worker writes it. */
const failedWith = (exit: Parameters<typeof exitReason>[0], stderr = 'Traceback (most recent call last):') => aJob({ kind: 'run', state: 'FAILED', reason: exitReason(exit, stderr) });

describe('the exit status of gpulab run', () => {
  it("is the command's own: 0 for a success, the status from result.exitCode", () => {
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'SUCCEEDED', result: { exitCode: 0 } })), 0);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'SUCCEEDED', result: {} })), 0);
  });

  it("is the code the worker's failure reason names, 127 for a command not found, 128 + N for signal N", () => {
    assert.equal(runExitCode(failedWith({ kind: 'exited', code: 3 })), 3);
    assert.equal(runExitCode(failedWith({ kind: 'not-started', code: 127, message: 'python: command not found' }, '')), 127);
    assert.equal(runExitCode(failedWith({ kind: 'signal', signal: 'SIGKILL' })), 137);
  });

  it('is 1 for a job that failed otherwise or was cancelled', () => {
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'timed out after 6h' })), 1);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'the command exited with code 999' })), 1);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'CANCELLED' })), 1);
  });
});
