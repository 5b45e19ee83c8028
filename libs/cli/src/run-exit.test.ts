import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { runExitCode } from './run-exit';
import { aJob } from './testing/views';

describe('the exit status of gpulab run', () => {
  it("is the command's own: 0 for a success, the status from result.exitCode", () => {
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'SUCCEEDED', result: { exitCode: 0 } })), 0);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'SUCCEEDED', result: {} })), 0);
  });

  it('is the status a failure reason starts with, "exit code N"', () => {
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'exit code 3: python train.py' })), 3);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'exit code 137 (killed: out of memory)' })), 137);
  });

  it('is 1 for a job that failed otherwise or was cancelled', () => {
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'timed out after 6h' })), 1);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'exit code 0' })), 1);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'FAILED', reason: 'exit code 999' })), 1);
    assert.equal(runExitCode(aJob({ kind: 'run', state: 'CANCELLED' })), 1);
  });
});
