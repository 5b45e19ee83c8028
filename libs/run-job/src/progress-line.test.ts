import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseProgressLine, progressOfStdoutLine } from './progress-line';

describe('progress lines', () => {
  it('read the fraction, message and numeric metrics', () => {
    assert.deepEqual(parseProgressLine('{"progress": 0.42, "message": "epoch 5/12", "metrics": {"loss": 0.31, "note": "x"}}'), {
      fraction: 0.42,
      message: 'epoch 5/12',
      metrics: { loss: 0.31 },
    });
  });

  it('clamp the fraction to 0..1', () => {
    assert.equal(parseProgressLine('{"progress": 7}')?.fraction, 1);
  });

  it('ignore lines that are not progress JSON', () => {
    for (const line of ['hello', '{not json', '[1,2]', '{"other": 1}']) assert.equal(parseProgressLine(line), undefined, line);
  });

  it('are found on stdout only behind the ::gpulab:: prefix', () => {
    assert.equal(progressOfStdoutLine('::gpulab::{"progress": 0.5}')?.fraction, 0.5);
    assert.equal(progressOfStdoutLine('{"progress": 0.5}'), undefined);
  });
});
