import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { weightsPathProblem } from './weights-paths';

describe('weightsPathProblem', () => {
  it('accepts plain file names beside model.json', () => {
    for (const name of ['weights.bin', 'group1-shard1of2.bin', 'w_1.bin']) assert.equal(weightsPathProblem(name), undefined);
  });

  it('refuses paths that leave the model folder, absolute paths and separators', () => {
    for (const name of ['../../etc/passwd', '..', '/etc/passwd', 'sub/weights.bin', 'a\\b.bin', 'x..bin', '', 'a\nb', 'x'.repeat(300)]) {
      assert.ok(weightsPathProblem(name), `${JSON.stringify(name.slice(0, 40))} should be refused`);
    }
    assert.ok(weightsPathProblem(42));
  });
});
