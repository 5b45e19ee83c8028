import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type RowTask, sharedFloat64 } from './row-kernels';
import { RowPool } from './row-pool';

/** A power-iteration step with M = I: each part's sums are aᵀa (cols × cols, in full) and then Σ a. */
function gramOf(a: Float64Array<SharedArrayBuffer>, cols: number, partials: Float64Array<SharedArrayBuffer>): RowTask {
  const panels = sharedFloat64(Math.ceil(cols / 4) * 4 * cols);
  for (let c = 0; c < cols; c++) panels[(c >> 2) * 4 * cols + 4 * c + (c & 3)] = 1;
  return { kind: 'gramTimes', x: a.buffer, cols, panels: panels.buffer, shift: sharedFloat64(cols).buffer, l: cols, partials: partials.buffer };
}

describe('the row pool', () => {
  it('splits a run among its threads, and runs again and again without losing a part', () => {
    const pool = RowPool.open(3);
    assert.ok(pool);
    try {
      const [rows, cols] = [301, 3];
      const a = sharedFloat64(rows * cols);
      for (let i = 0; i < a.length; i++) a[i] = (i % 7) - 3;
      const size = cols * cols + cols;
      const partials = sharedFloat64(pool.parts * size);
      // Small whole numbers: every order of summing gives the same sums.
      const expected = new Float64Array(size);
      for (let r = 0; r < rows; r++) {
        for (let i = 0; i < cols; i++) {
          for (let j = 0; j < cols; j++) expected[i * cols + j] += a[r * cols + i] * a[r * cols + j];
          expected[cols * cols + i] += a[r * cols + i];
        }
      }
      for (let run = 0; run < 200; run++) {
        pool.run(gramOf(a, cols, partials), rows);
        const sum = new Float64Array(size);
        for (let s = 0; s < pool.parts; s++) for (let t = 0; t < size; t++) sum[t] += partials[s * size + t];
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
    // Room for slot 0's sums only (2 × 2 and 2): the other thread's view of its slot is out of range.
    const partials = sharedFloat64(6);
    assert.throws(() => pool.run(gramOf(a, 2, partials), 4), /a compute thread failed: .*(out of|outside|bounds|length)/i);
    pool.close();
    assert.throws(() => pool.run(gramOf(a, 2, partials), 4), /closed/);
  });
});
