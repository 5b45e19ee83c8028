import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { logLineJson, logLineText } from './log-format';

const at = Date.parse('2026-12-03T14:05:09.250Z');

describe('a log line for people', () => {
  it('says the time of day in the zone and marks the stream', () => {
    assert.equal(logLineText({ at, stream: 'stdout', text: 'epoch 1 loss 0.31', attempt: 1 }, { timeZone: 'Europe/Berlin' }), '15:05:09 [out] epoch 1 loss 0.31');
    assert.equal(logLineText({ at, stream: 'stderr', text: 'warning: slow', attempt: 1 }), '14:05:09 [err] warning: slow');
    assert.equal(logLineText({ at, stream: 'gpulab', text: '12 lines dropped', attempt: 1 }), '14:05:09 [gpulab] 12 lines dropped');
  });

  it('colours only the mark of stderr and gpulab lines, and only when asked', () => {
    assert.equal(logLineText({ at, stream: 'stderr', text: 'x', attempt: 1 }, { colour: true }), '14:05:09 \u001b[31m[err]\u001b[0m x');
    assert.equal(logLineText({ at, stream: 'stdout', text: 'x', attempt: 1 }, { colour: true }), '14:05:09 [out] x');
  });

  it('is one JSON object with an ISO time for --json', () => {
    assert.deepEqual(logLineJson({ at, stream: 'stdout', text: 'x', attempt: 2 }), { at: '2026-12-03T14:05:09.250Z', stream: 'stdout', text: 'x', attempt: 2 });
  });
});
