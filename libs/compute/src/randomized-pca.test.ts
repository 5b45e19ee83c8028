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

  it('is chosen for large, wide data and few components, exact otherwise', () => {
    assert.equal(chooseSolver(70_000, 784, 50), 'randomized');
    assert.equal(chooseSolver(10, 2, 1), 'exact');
    assert.equal(chooseSolver(1797, 64, 2), 'exact');
    assert.equal(chooseSolver(70_000, 784, 500), 'exact');
  });
});
