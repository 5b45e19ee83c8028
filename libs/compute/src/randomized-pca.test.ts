import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Matrix } from './matrix';
import { pca } from './pca';
import { chooseSolver } from './pca-auto';
import { normalSource, seededRandom } from './random';
import { randomizedPca } from './randomized-pca';

/** n × p data whose variance falls off geometrically along random directions, plus a large mean. */
function decayingSpectrum(n: number, p: number, seed: number): Matrix {
  const normal = normalSource(seededRandom(seed));
  const data = new Float64Array(n * p);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < p; c++) data[i * p + c] = 100 + normal() * 0.9 ** c * 5;
  }
  return { rows: n, cols: p, data };
}

describe('randomized PCA', () => {
  it('agrees with exact PCA on the leading components: eigenvalues, axes and projection', () => {
    const x = decayingSpectrum(800, 120, 1);
    const k = 5;
    const exact = pca(x, { components: k });
    const fast = randomizedPca(x, { components: k, seed: 2 });
    for (let c = 0; c < k; c++) {
      assert.ok(Math.abs(fast.eigenvalues[c] / exact.eigenvalues[c] - 1) < 1e-3, `eigenvalue ${c}: ${fast.eigenvalues[c]} vs ${exact.eigenvalues[c]}`);
      let dot = 0;
      for (let f = 0; f < x.cols; f++) dot += fast.basis.data[c * x.cols + f] * exact.basis.data[c * x.cols + f];
      assert.ok(dot > 0.999, `axis ${c}: |cos| ${dot} (and the same sign convention)`);
      assert.ok(Math.abs(fast.explainedVarianceRatio[c] / exact.explainedVarianceRatio[c] - 1) < 1e-3);
    }
    let e = 0;
    let t = 0;
    for (let i = 0; i < fast.embedding.data.length; i++) {
      e += (fast.embedding.data[i] - exact.embedding.data[i]) ** 2;
      t += exact.embedding.data[i] ** 2;
    }
    assert.ok(Math.sqrt(e / t) < 0.02, `projection error ${Math.sqrt(e / t)}`);
  });

  it('finds the axes of data of lower rank than its random directions, with rows of zeros, and no NaN', () => {
    // Rank 3 (plus the mean), 24 directions by default for k = 2: most of them are dependent.
    const [n, p] = [600, 40];
    const normal = normalSource(seededRandom(7));
    const directions = Array.from({ length: 3 }, () => Array.from({ length: p }, () => normal()));
    const data = new Float64Array(n * p);
    for (let i = 0; i < n; i++) {
      if (i % 10 === 0) continue;
      const weights = [5 * normal(), 2 * normal(), 0.5 * normal()];
      for (let c = 0; c < p; c++) data[i * p + c] = 3 + weights.reduce((sum, w, d) => sum + w * directions[d][c], 0);
    }
    const x = { rows: n, cols: p, data };
    const exact = pca(x, { components: 3 });
    const fast = randomizedPca(x, { components: 3, powerIterations: 1 });
    assert.ok(fast.embedding.data.every(Number.isFinite) && fast.basis.data.every(Number.isFinite));
    for (let c = 0; c < 3; c++) {
      assert.ok(Math.abs(fast.eigenvalues[c] / exact.eigenvalues[c] - 1) < 1e-9, `eigenvalue ${c}: ${fast.eigenvalues[c]} vs ${exact.eigenvalues[c]}`);
      let dot = 0;
      for (let f = 0; f < p; f++) dot += fast.basis.data[c * p + f] * exact.basis.data[c * p + f];
      assert.ok(dot > 1 - 1e-9, `axis ${c}: cos ${dot}`);
    }
  });

  it('gives the same fit on two threads as on one', () => {
    // Large enough (n·p·l ≥ 50M) for the row pool.
    const x = decayingSpectrum(5000, 200, 3);
    const one = randomizedPca(x, { components: 40, threads: 1 });
    const two = randomizedPca(x, { components: 40, threads: 2 });
    for (let c = 0; c < 40; c++) assert.ok(Math.abs(two.eigenvalues[c] / one.eigenvalues[c] - 1) < 1e-10, `eigenvalue ${c}`);
    let worst = 0;
    for (let i = 0; i < one.embedding.data.length; i++) worst = Math.max(worst, Math.abs(two.embedding.data[i] - one.embedding.data[i]));
    assert.ok(worst < 1e-8 * Math.sqrt(one.eigenvalues[0]), `embedding differs by ${worst}`);
  });

  it('refuses data holding a NaN, naming where', () => {
    const x = decayingSpectrum(50, 10, 4);
    x.data[3 * 10 + 6] = Number.NaN;
    assert.throws(() => randomizedPca(x, { components: 2 }), /row 4, column 7 is NaN/);
  });

  it('is chosen for large, wide data and few components, exact otherwise', () => {
    assert.equal(chooseSolver(70_000, 784, 50), 'randomized');
    assert.equal(chooseSolver(10, 2, 1), 'exact');
    assert.equal(chooseSolver(1797, 64, 2), 'exact');
    assert.equal(chooseSolver(70_000, 784, 500), 'exact');
  });
});
