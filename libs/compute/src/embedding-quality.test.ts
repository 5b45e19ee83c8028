import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { knnAccuracy } from './embedding-quality';
import { seededRandom } from './random';

/** The same measure by brute force. */
function bruteForce(y: Float64Array, codes: Int32Array, classes: number, k: number): number {
  const n = codes.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const order = Array.from({ length: n }, (_, j) => j)
      .filter((j) => j !== i)
      .sort((a, b) => (y[2 * a] - y[2 * i]) ** 2 + (y[2 * a + 1] - y[2 * i + 1]) ** 2 - ((y[2 * b] - y[2 * i]) ** 2 + (y[2 * b + 1] - y[2 * i + 1]) ** 2))
      .slice(0, k);
    const votes = new Array<number>(classes).fill(0);
    let winner = codes[order[0]];
    for (const j of order) {
      votes[codes[j]]++;
      if (votes[codes[j]] > votes[winner]) winner = codes[j];
    }
    if (winner === codes[i]) correct++;
  }
  return correct / n;
}

describe('k-NN accuracy of an embedding', () => {
  it('matches a brute-force count on clustered and on uniform points', () => {
    const next = seededRandom(1);
    for (const spread of [0.5, 20]) {
      const n = 600;
      const codes = Int32Array.from({ length: n }, (_, i) => i % 4);
      const y = Float64Array.from({ length: 2 * n }, (_, t) => (codes[t >> 1] % 2) * 10 * (t % 2) + (codes[t >> 1] >> 1) * 10 * (1 - (t % 2)) + (next() - 0.5) * spread);
      const labels = { codes, names: ['a', 'b', 'c', 'd'] };
      assert.equal(knnAccuracy(y, labels, 10), bruteForce(y, codes, 4, 10));
    }
  });
});
