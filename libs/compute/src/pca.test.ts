import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { InvalidInputError, InvalidParameterError } from './errors';
import { type Matrix, matrixFromRows, toRows } from './matrix';
import { pca } from './pca';
import { seedExample } from './seed-example';
import { symmetricEigen } from './symmetric-eigen';

const LECTURE_PROJECTION = [-0.828, 1.7776, -0.9922, -0.2742, -1.6758, -0.9129, 0.0991, 1.1446, 0.438, 1.2238];

/** A small seeded generator, so failures reproduce. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const next = random(seed);
  return { rows, cols, data: Float64Array.from({ length: rows * cols }, () => next() * 2 - 1) };
}

const close = (actual: number, expected: number, tolerance: number, what: string) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} is not within ${tolerance} of ${expected}`);

describe("PCA on the lecture's worked example", () => {
  const fit = pca(seedExample(), { components: 2 });

  it('centers with the 1/n mean (1.81, 1.91)', () => {
    close(fit.mean[0], 1.81, 1e-12, 'mean x');
    close(fit.mean[1], 1.91, 1e-12, 'mean y');
  });

  it('finds the eigenvalues 1.2840277 and 0.0490834', () => {
    close(fit.eigenvalues[0], 1.2840277, 1e-6, 'first eigenvalue');
    close(fit.eigenvalues[1], 0.0490834, 1e-6, 'second eigenvalue');
  });

  it('projects onto the first axis as the lecture does, with the opposite sign by our convention', () => {
    const oneD = pca(seedExample(), { components: 1 });
    const projection = toRows(oneD.embedding).map((r) => r[0]);
    // The axis is flipped so that its largest entry is positive: (0.6779, 0.7352); the slides use its negation.
    projection.forEach((v, i) => close(v, -LECTURE_PROJECTION[i], 1e-4, `row ${i + 1}`));
    assert.ok(oneD.basis.data[0] > 0 && oneD.basis.data[1] > 0);
  });

  it('explains all the variance with every component', () => {
    close(fit.explainedVarianceRatio[0] + fit.explainedVarianceRatio[1], 1, 1e-12, 'sum of ratios');
    close(fit.explainedVarianceRatio[0], 1.2840277 / (1.2840277 + 0.0490834), 1e-6, 'first ratio');
  });
});

describe('PCA on other data', () => {
  it('gives orthonormal axes on a random 200 x 20 matrix', () => {
    const fit = pca(randomMatrix(200, 20, 7), { components: 20 });
    for (let a = 0; a < 20; a++) {
      for (let b = 0; b < 20; b++) {
        let dot = 0;
        for (let i = 0; i < 20; i++) dot += fit.basis.data[a * 20 + i] * fit.basis.data[b * 20 + i];
        close(dot, a === b ? 1 : 0, 1e-10, `axes ${a}·${b}`);
      }
    }
    for (let c = 1; c < 20; c++) assert.ok(fit.eigenvalues[c] <= fit.eigenvalues[c - 1]);
  });

  it('gives zero trailing eigenvalues and no NaN for rank-deficient data', () => {
    const next = random(3);
    const rows = Array.from({ length: 50 }, () => {
      const a = next();
      const b = next();
      return [a, b, 2 * a, 5, a - b];
    });
    const fit = pca(matrixFromRows(rows), { components: 5 });
    assert.ok(fit.allEigenvalues.every((v) => Number.isFinite(v)));
    for (const v of fit.allEigenvalues.slice(2)) close(v, 0, 1e-10, 'trailing eigenvalue');
    assert.ok(fit.embedding.data.every((v) => Number.isFinite(v)));
  });

  it('refuses components outside 1..features and names both numbers', () => {
    for (const components of [0, 3, 1.5]) {
      assert.throws(() => pca(seedExample(), { components }), (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError);
        assert.match(e.message, new RegExp(`from 1 to 2 .*not ${components}`));
        return true;
      });
    }
  });

  it('refuses a single row and non-finite values with their place', () => {
    assert.throws(() => pca(matrixFromRows([[1, 2]]), { components: 1 }), InvalidInputError);
    assert.throws(() => pca(matrixFromRows([[1, 2], [3, NaN]]), { components: 1 }), /row 2, column 2 is NaN/);
  });
});

describe('symmetric eigen-decomposition', () => {
  it('satisfies A V = V diag(values) on a random symmetric 60 x 60 matrix', () => {
    const n = 60;
    const r = randomMatrix(n, n, 11);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r.data[i * n + j] + r.data[j * n + i];
    const { values, vectors } = symmetricEigen({ rows: n, cols: n, data: a });
    for (let c = 0; c < n; c++) {
      for (let i = 0; i < n; i++) {
        let av = 0;
        for (let k = 0; k < n; k++) av += a[i * n + k] * vectors.data[k * n + c];
        close(av, values[c] * vectors.data[i * n + c], 1e-9, `(AV)[${i}][${c}]`);
      }
    }
  });

  it('handles a diagonal matrix and a 1 x 1 matrix', () => {
    const d = symmetricEigen(matrixFromRows([[1, 0, 0], [0, 3, 0], [0, 0, 2]]));
    assert.deepEqual(Array.from(d.values), [3, 2, 1]);
    assert.deepEqual(Array.from(symmetricEigen(matrixFromRows([[4]])).values), [4]);
  });
});
