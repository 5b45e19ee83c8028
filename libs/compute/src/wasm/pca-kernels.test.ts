import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { covarianceSums, timesRows, transposeTimes } from '../parallel/js-row-kernels';
import { seededRandom } from '../random';
import { columnMomentsWasm, covarianceSumsWasm, gramTimesWasm, timesRowsWasm } from './pca-kernels';

/** Rows × cols values in [-1, 1), a fraction of them 0, and every `zeroRowEvery`-th row all zeros (an empty image). */
function sparseRows(rows: number, cols: number, seed: number, zeroRowEvery = 5): Float64Array {
  const random = seededRandom(seed);
  const data = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (r % zeroRowEvery === 2) continue;
    // The first and last features stay 0 throughout, like an image's border.
    for (let c = 1; c < cols - 1; c++) data[r * cols + c] = random() < 0.4 ? 0 : 2 * random() - 1;
  }
  return data;
}

function panelsOf(m: Float64Array, p: number, l: number): Float64Array {
  const panels = new Float64Array(Math.ceil(l / 4) * 4 * p);
  for (let c = 0; c < p; c++) for (let u = 0; u < l; u++) panels[(u >> 2) * 4 * p + 4 * c + (u & 3)] = m[c * l + u];
  return panels;
}

function assertClose(actual: Float64Array, expected: Float64Array, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 1;
  for (const v of expected) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= 1e-13 * scale, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

// Sizes that are not multiples of the 4 × 4 tiles, of the blocks of rows copied in (128, 256),
// nor of each other; ranges that start inside the matrix, as a thread's part does.
const SHAPES = [
  { n: 1, p: 1, l: 1, from: 0 },
  { n: 7, p: 5, l: 3, from: 2 },
  { n: 300, p: 13, l: 6, from: 1 },
  { n: 531, p: 37, l: 11, from: 17 },
  { n: 260, p: 64, l: 16, from: 0 },
];

describe('the float64 WebAssembly PCA kernels', () => {
  it('multiply rows by panels of M less the shift as the JavaScript kernel does', () => {
    for (const [i, { n, p, l, from }] of SHAPES.entries()) {
      const x = sparseRows(n, p, i);
      const m = sparseRows(p, l, 100 + i, 7);
      const shift = sparseRows(1, l + 2, 200 + i).subarray(1, l + 1);
      const expected = new Float64Array(n * l);
      const actual = new Float64Array(n * l);
      timesRows(x, p, panelsOf(m, p, l), shift, l, expected, from, n);
      timesRowsWasm(x, p, panelsOf(m, p, l), shift, l, actual, from, n);
      assertClose(actual, expected, `x·M ${n}×${p}×${l}`);
    }
  });

  it('sum xᵀy for y = x·M − shift, and y, as the JavaScript kernels do one after the other', () => {
    for (const [i, { n, p, l, from }] of SHAPES.entries()) {
      const x = sparseRows(n, p, i);
      const m = sparseRows(p, l, 300 + i, 3);
      const shift = sparseRows(1, l + 2, 200 + i).subarray(1, l + 1);
      const y = new Float64Array(n * l);
      timesRows(x, p, panelsOf(m, p, l), shift, l, y, from, n);
      const expected = new Float64Array(p * l);
      transposeTimes(x, p, y, l, expected, from, n);
      const expectedSums = new Float64Array(l);
      for (let r = from; r < n; r++) for (let u = 0; u < l; u++) expectedSums[u] += y[r * l + u];

      const actual = new Float64Array(p * l).fill(Number.NaN);
      const sums = new Float64Array(l).fill(Number.NaN);
      const actualY = new Float64Array(n * l);
      gramTimesWasm(x, p, panelsOf(m, p, l), shift, l, actual, sums, actualY, from, n);
      assertClose(actual, expected, `xᵀy ${n}×${p}×${l}`);
      assertClose(sums, expectedSums, `Σy ${n}×${p}×${l}`);
      assertClose(actualY, y, `y ${n}×${p}×${l}`);
      const withoutY = new Float64Array(p * l);
      gramTimesWasm(x, p, panelsOf(m, p, l), shift, l, withoutY, sums, undefined, from, n);
      assert.deepEqual(withoutY, actual, 'the same sums whether y is kept or not');
    }
  });

  it('add the centered covariance sums as the JavaScript kernel does', () => {
    for (const [i, { n, p, from }] of SHAPES.entries()) {
      const x = sparseRows(n, p, 500 + i);
      const mean = new Float64Array(p);
      for (let c = 0; c < p; c++) mean[c] = c % 3 === 0 ? 0 : 0.1 * c;
      const start = sparseRows(p, p, 600 + i);
      const expected = start.slice();
      const actual = start.slice();
      covarianceSums(x, p, mean, from, n, expected);
      covarianceSumsWasm(x, p, mean, from, n, actual);
      assertClose(actual, expected, `covariance ${n}×${p}`);
    }
  });

  it('give column means and squared deviations as two plain passes do, with a mean far larger than the spread', () => {
    for (const [i, { n, p, from }] of SHAPES.entries()) {
      const x = sparseRows(n, p, 700 + i).map((v, t) => (t % p === 1 ? 1e6 + v : v));
      const mean = new Float64Array(p);
      const m2 = new Float64Array(p);
      for (let r = from; r < n; r++) for (let c = 0; c < p; c++) mean[c] += x[r * p + c] / (n - from);
      for (let r = from; r < n; r++) for (let c = 0; c < p; c++) m2[c] += (x[r * p + c] - mean[c]) ** 2;
      const actualMean = new Float64Array(p).fill(Number.NaN);
      const actualM2 = new Float64Array(p).fill(Number.NaN);
      columnMomentsWasm(x, p, from, n, actualMean, actualM2);
      assertClose(actualMean, mean, `means ${n}×${p}`);
      for (let c = 0; c < p; c++) assert.ok(Math.abs(actualM2[c] - m2[c]) <= 1e-9 * Math.max(1, m2[c]), `m2[${c}] ${n}×${p}: ${actualM2[c]} vs ${m2[c]}`);
    }
  });

  it('leave empty ranges at zero sums', () => {
    const out = new Float64Array(12).fill(1);
    const sums = new Float64Array(3).fill(1);
    gramTimesWasm(new Float64Array(12), 4, new Float64Array(16), new Float64Array(3), 3, out, sums, undefined, 3, 3);
    assert.deepEqual([...out, ...sums], new Array(15).fill(0));
  });
});
