import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, InvalidParameterError } from './errors';
import { matrixFromRows, toRows } from './matrix';
import { pca } from './pca';
import { seedExample } from './seed-example';
import { randomMatrix, seededRandom } from './testing/random-matrix';

/** The lecture's 1-D projection, onto the axis (−0.6779, −0.7352). */
const LECTURE_PROJECTION = [-0.828, 1.7776, -0.9922, -0.2742, -1.6758, -0.9129, 0.0991, 1.1446, 0.438, 1.2238];

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe("PCA on the lecture's worked example", () => {
  const fit = pca(seedExample(), { components: 2 });

  it('centers with the 1/n mean (1.81, 1.91)', () => {
    close(fit.mean[0], 1.81, 1e-12, 'mean x');
    close(fit.mean[1], 1.91, 1e-12, 'mean y');
  });

  it('finds the eigenvalues 1.2840277 and 0.0490834 of the 1/(n-1) covariance', () => {
    assert.equal(fit.eigenvalues.length, 2);
    close(fit.eigenvalues[0], 1.2840277, 1e-6, 'first eigenvalue');
    close(fit.eigenvalues[1], 0.0490834, 1e-6, 'second eigenvalue');
    assert.deepEqual(Array.from(fit.allEigenvalues), Array.from(fit.eigenvalues));
  });

  it('projects onto the first axis as the lecture does, with the opposite sign by our convention', () => {
    const oneD = pca(seedExample(), { components: 1 });
    assert.deepEqual([oneD.embedding.rows, oneD.embedding.cols, oneD.basis.rows, oneD.basis.cols], [10, 1, 1, 2]);
    const projection = toRows(oneD.embedding).map((r) => r[0]);
    // Our axis is (0.6779, 0.7352): its largest entry is made positive. The slides use its negation.
    close(oneD.basis.data[0], 0.6778734, 1e-6, 'axis x');
    close(oneD.basis.data[1], 0.7351787, 1e-6, 'axis y');
    projection.forEach((v, i) => close(v, -LECTURE_PROJECTION[i], 1e-4, `row ${i + 1}`));
  });

  it('explains all the variance with every component', () => {
    close(fit.explainedVarianceRatio[0] + fit.explainedVarianceRatio[1], 1, 1e-12, 'sum of ratios');
    close(fit.explainedVarianceRatio[0], 1.2840277 / (1.2840277 + 0.0490834), 1e-6, 'first ratio');
  });
});

describe('PCA on other data', () => {
  it('gives orthonormal axes with descending eigenvalues on a random 200 x 20 matrix', () => {
    const fit = pca(randomMatrix(200, 20, 7), { components: 20 });
    for (let a = 0; a < 20; a++) {
      for (let b = 0; b < 20; b++) {
        let dot = 0;
        for (let i = 0; i < 20; i++) dot += fit.basis.data[a * 20 + i] * fit.basis.data[b * 20 + i];
        close(dot, a === b ? 1 : 0, 1e-10, `axes ${a}·${b}`);
      }
    }
    for (let c = 1; c < 20; c++) assert.ok(fit.eigenvalues[c] <= fit.eigenvalues[c - 1], `eigenvalue ${c + 1} > eigenvalue ${c}`);
    close(fit.explainedVarianceRatio.reduce((s, v) => s + v, 0), 1, 1e-12, 'sum of ratios');
  });

  it('makes the largest-magnitude entry of every axis positive', () => {
    const fit = pca(randomMatrix(200, 20, 13), { components: 6 });
    for (let c = 0; c < 6; c++) {
      const axis = Array.from(fit.basis.data.subarray(c * 20, (c + 1) * 20));
      const largest = axis.reduce((best, v) => (Math.abs(v) > Math.abs(best) ? v : best), 0);
      assert.ok(largest > 0, `axis ${c + 1} has its largest entry ${largest}`);
    }
  });

  it('keeps the k largest eigenvalues and projects the centered data onto their axes', () => {
    // 37 rows and 6 of 10 components: neither fills the 4 x 4 tiles of the projection.
    const x = randomMatrix(37, 10, 21);
    const all = pca(x, { components: 10 });
    const fit = pca(x, { components: 6 });
    assert.deepEqual([fit.embedding.rows, fit.embedding.cols, fit.basis.rows, fit.basis.cols], [37, 6, 6, 10]);
    assert.deepEqual(Array.from(fit.eigenvalues), Array.from(all.eigenvalues.subarray(0, 6)));
    assert.deepEqual(Array.from(fit.basis.data), Array.from(all.basis.data.subarray(0, 60)));
    for (let r = 0; r < 37; r++) {
      for (let c = 0; c < 6; c++) {
        let s = 0;
        for (let i = 0; i < 10; i++) s += (x.data[r * 10 + i] - fit.mean[i]) * fit.basis.data[c * 10 + i];
        close(fit.embedding.data[r * 6 + c], s, 1e-12, `embedding[${r}][${c}]`);
      }
    }
  });

  it('gives zero trailing eigenvalues and no NaN for rank-deficient data', () => {
    const next = seededRandom(3);
    const rows = Array.from({ length: 50 }, () => {
      const a = next();
      const b = next();
      return [a, b, 2 * a, 5, a - b];
    });
    const fit = pca(matrixFromRows(rows), { components: 5 });
    assert.ok(fit.allEigenvalues[1] > 0.01, 'two directions carry variance');
    for (const v of fit.allEigenvalues.slice(2)) close(v, 0, 1e-10, 'trailing eigenvalue');
    for (const array of [fit.allEigenvalues, fit.explainedVarianceRatio, fit.basis.data, fit.embedding.data]) {
      assert.ok(array.every((v) => Number.isFinite(v) && v === v));
    }
  });

  it('handles a single feature: its variance, a unit axis and the centered values', () => {
    const fit = pca(matrixFromRows([[1], [2], [6]]), { components: 1 });
    close(fit.eigenvalues[0], 7, 1e-12, 'variance');
    assert.deepEqual([fit.mean[0], fit.basis.data[0], fit.explainedVarianceRatio[0]], [3, 1, 1]);
    assert.deepEqual(Array.from(fit.embedding.data), [-2, -1, 3]);
  });

  it('reports progress with rising fractions ending at 1', () => {
    const seen: number[] = [];
    pca(seedExample(), { components: 1, onProgress: (f) => seen.push(f) });
    assert.ok(seen.length >= 2);
    seen.forEach((f, i) => assert.ok(i === 0 || f > seen[i - 1], `fractions ${seen.join(', ')}`));
    assert.equal(seen.at(-1), 1);
  });
});

describe('PCA input checks', () => {
  it('refuses components 0, 3 (of 2 features) and 1.5, naming both numbers', () => {
    for (const components of [0, 3, 1.5]) {
      assert.throws(() => pca(seedExample(), { components }), (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError);
        assert.equal(e.code, 'INVALID_PARAMETER');
        assert.equal(e.parameter, 'components');
        assert.match(e.message, new RegExp(`from 1 to 2 .*not ${components}$`));
        return true;
      });
    }
  });

  it('refuses a single row', () => {
    assert.throws(() => pca(matrixFromRows([[1, 2]]), { components: 1 }), (e: unknown) => {
      assert.ok(e instanceof InvalidInputError);
      assert.equal(e.code, 'TOO_FEW_ROWS');
      assert.match(e.message, /at least 2 rows/);
      return true;
    });
  });

  it('refuses NaN and infinities, naming row and column', () => {
    for (const bad of [NaN, Infinity]) {
      assert.throws(() => pca(matrixFromRows([[1, 2], [3, 4], [5, bad]]), { components: 1 }), (e: unknown) => {
        assert.ok(e instanceof InvalidInputError);
        assert.equal(e.code, 'DATA_NOT_FINITE');
        assert.deepEqual([e.row, e.column], [3, 2]);
        assert.match(e.message, new RegExp(`^row 3, column 2 is ${bad}`));
        return true;
      });
    }
  });

  it('refuses a matrix whose data does not match its shape', () => {
    assert.throws(() => pca({ rows: 3, cols: 2, data: new Float64Array(5) }, { components: 1 }), /says 3 x 2 but holds 5 values/);
  });
});
