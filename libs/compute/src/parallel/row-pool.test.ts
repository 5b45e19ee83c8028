import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { sharedFloat64 } from './row-kernels';
import { RowPool } from './row-pool';

describe('the row pool', () => {
  it('splits a run among its threads, and runs again and again without losing a part', () => {
    const pool = RowPool.open(3);
    assert.ok(pool);
    try {
      const [rows, cols] = [301, 3];
      const a = sharedFloat64(rows * cols);
      for (let i = 0; i < a.length; i++) a[i] = (i % 7) - 3;
      const partials = sharedFloat64(pool.parts * cols * cols);
      const expected = new Float64Array(cols * cols);
      for (let r = 0; r < rows; r++) for (let i = 0; i < cols; i++) for (let j = i; j < cols; j++) expected[i * cols + j] += a[r * cols + i] * a[r * cols + j];
      for (let run = 0; run < 200; run++) {
        pool.run({ kind: 'gram', a: a.buffer, cols, partials: partials.buffer }, rows);
        const sum = new Float64Array(cols * cols);
        for (let s = 0; s < pool.parts; s++) for (let t = 0; t < cols * cols; t++) sum[t] += partials[s * cols * cols + t];
        assert.deepEqual(sum, expected, `run ${run}`);
      }
    } finally {
      pool.close();
    }
  });

  it("fails a run with the thread's own reason, and refuses runs once closed", () => {
    const pool = RowPool.open(2);
    assert.ok(pool);
    const a = sharedFloat64(8);
    // Room for slot 0's sums only: the other thread's view of its slot is out of range.
    const partials = sharedFloat64(4);
    assert.throws(() => pool.run({ kind: 'gram', a: a.buffer, cols: 2, partials: partials.buffer }, 4), /a compute thread failed: .*(out of|outside|bounds|length)/i);
    pool.close();
    assert.throws(() => pool.run({ kind: 'gram', a: a.buffer, cols: 2, partials: partials.buffer }, 4), /closed/);
  });
});
