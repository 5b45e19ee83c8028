import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { centeredCovariance, columnMeans } from './covariance';
import { InvalidInputError } from './errors';
import { type Matrix, matrixFromRows } from './matrix';
import { symmetricEigen } from './symmetric-eigen';
import { randomMatrix } from './testing/random-matrix';

function randomSymmetric(n: number, seed: number): Matrix {
  const r = randomMatrix(n, n, seed);
  const data = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) data[i * n + j] = r.data[i * n + j] + r.data[j * n + i];
  return { rows: n, cols: n, data };
}

/** Checks A V = V diag(values), Vᵀ V = I and descending values, each to `tolerance`. */
function assertDecomposes(a: Matrix, tolerance: number): void {
  const n = a.rows;
  const { values, vectors } = symmetricEigen(a);
  const v = vectors.data;
  assert.deepEqual([values.length, vectors.rows, vectors.cols], [n, n, n]);
  for (let c = 1; c < n; c++) assert.ok(values[c] <= values[c - 1], `value ${c + 1} exceeds value ${c}`);
  let worst = 0;
  for (let c = 0; c < n; c++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += a.data[i * n + k] * v[k * n + c];
      worst = Math.max(worst, Math.abs(av - values[c] * v[i * n + c]));
    }
    for (let d = 0; d < n; d++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += v[k * n + c] * v[k * n + d];
      worst = Math.max(worst, Math.abs(dot - (c === d ? 1 : 0)));
    }
  }
  assert.ok(worst <= tolerance, `largest deviation ${worst}`);
}

describe('symmetric eigen-decomposition', () => {
  it('reconstructs the covariance of a random 200 x 20 matrix: A V = V diag(values), V orthonormal', () => {
    const x = randomMatrix(200, 20, 7);
    assertDecomposes({ rows: 20, cols: 20, data: centeredCovariance(x, columnMeans(x)) }, 1e-9);
  });

  it('decomposes a random symmetric 60 x 60 matrix with negative eigenvalues', () => {
    const a = randomSymmetric(60, 11);
    assertDecomposes(a, 1e-9);
    assert.ok(symmetricEigen(a).values[59] < 0);
  });

  it('decomposes matrices with repeated eigenvalues', () => {
    assertDecomposes(matrixFromRows([[2, 0, 0, 0], [0, 2, 0, 0], [0, 0, 2, 1], [0, 0, 1, 2]]), 1e-12);
    assertDecomposes({ rows: 5, cols: 5, data: new Float64Array(25) }, 0);
  });

  it('orders a diagonal matrix and handles 1 x 1 and 0 x 0', () => {
    const d = symmetricEigen(matrixFromRows([[1, 0, 0], [0, 3, 0], [0, 0, 2]]));
    assert.deepEqual(Array.from(d.values), [3, 2, 1]);
    assert.deepEqual(Array.from(d.vectors.data).map(Math.abs), [0, 0, 1, 1, 0, 0, 0, 1, 0]);
    assert.deepEqual(Array.from(symmetricEigen(matrixFromRows([[4]])).values), [4]);
    assert.equal(symmetricEigen({ rows: 0, cols: 0, data: new Float64Array(0) }).values.length, 0);
  });

  it('refuses a matrix that is not square or not finite', () => {
    assert.throws(() => symmetricEigen(matrixFromRows([[1, 2, 3], [4, 5, 6]])), (e: unknown) => e instanceof InvalidInputError && e.code === 'NOT_SQUARE');
    assert.throws(() => symmetricEigen(matrixFromRows([[1, NaN], [NaN, 1]])), /row 1, column 2 of the matrix is NaN/);
  });
});
