import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { centeredCovariance, columnMeans } from './covariance';
import { type Matrix } from './matrix';
import { randomMatrix } from './testing/random-matrix';

/** The textbook double loop, to compare the blocked version against. */
function naiveCovariance(x: Matrix): Float64Array {
  const { rows: n, cols: p, data } = x;
  const mean = new Float64Array(p);
  for (let r = 0; r < n; r++) for (let i = 0; i < p; i++) mean[i] += data[r * p + i] / n;
  const cov = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j < p; j++) {
      let s = 0;
      for (let r = 0; r < n; r++) s += (data[r * p + i] - mean[i]) * (data[r * p + j] - mean[j]);
      cov[i * p + j] = s / (n - 1);
    }
  }
  return cov;
}

function assertAllClose(actual: Float64Array, expected: Float64Array, tolerance: number): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `entry ${i}: ${actual[i]} vs ${expected[i]}`);
  }
}

describe('covariance', () => {
  it('matches the textbook formula when neither rows nor features fill whole blocks and tiles', () => {
    // 300 rows = 2 blocks of 128 and a partial one; 11 features = 2 tiles of 4 and a partial one.
    const x = randomMatrix(300, 11, 5);
    for (let r = 0; r < 300; r++) {
      x.data[r * 11 + 3] = 7; // constant: left out of every block
      if (r >= 128) x.data[r * 11 + 8] = 0.25; // constant only in the later blocks
      x.data[r * 11 + 10] = r < 128 ? 0 : 1; // below its mean, never at it, throughout the first block
    }
    assertAllClose(centeredCovariance(x, columnMeans(x)), naiveCovariance(x), 1e-13);
  });

  it('is exactly symmetric', () => {
    const x = randomMatrix(50, 9, 8);
    const p = 9;
    const cov = centeredCovariance(x, columnMeans(x));
    for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) assert.equal(cov[i * p + j], cov[j * p + i]);
  });

  it('keeps its precision when the mean is large next to the spread', () => {
    const spread = randomMatrix(200, 3, 9);
    const shifted = { ...spread, data: spread.data.map((v) => v + 1e9) };
    // Shifting every value changes no covariance; XᵀX − nμμᵀ would lose all digits here.
    assertAllClose(centeredCovariance(shifted, columnMeans(shifted)), naiveCovariance(spread), 1e-6);
  });

  it('gives the same covariance on one thread as on two, in chunks of rows, and the textbook one', () => {
    // Large enough for the thread pool: two chunks of rows, n·p² above its threshold.
    const x = randomMatrix(9000, 150, 4);
    const mean = columnMeans(x);
    const one = centeredCovariance(x, mean, undefined, 1);
    const two = centeredCovariance(x, mean, undefined, 2);
    assert.deepEqual(Array.from(two), Array.from(one));
    const small = { rows: 9000, cols: 6, data: Float64Array.from({ length: 9000 * 6 }, (_, t) => x.data[Math.floor(t / 6) * 150 + (t % 6)]) };
    const sub = new Float64Array(36);
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) sub[i * 6 + j] = one[i * 150 + j];
    assertAllClose(sub, naiveCovariance(small), 1e-12);
  });

  it('reports progress a few times on long inputs', () => {
    const x = randomMatrix(1280, 2, 1);
    const seen: number[] = [];
    centeredCovariance(x, columnMeans(x), (f) => seen.push(f));
    assert.ok(seen.length >= 2 && seen.length <= 4, `called ${seen.length} times`);
    seen.forEach((f, i) => assert.ok(f > 0 && f < 1 && (i === 0 || f > seen[i - 1]), `fractions ${seen.join(', ')}`));
  });
});
