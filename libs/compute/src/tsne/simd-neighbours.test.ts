import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type Matrix } from '../matrix';
import { normalSource, seededRandom } from '../random';
import { blobs } from '../testing/clusters';
import { float32DistanceError } from './candidate-rerank';
import { Float32CandidateSearch } from './float32-candidates';
import { exactNeighbours, type Neighbours, normTrickDistance, squaredNorms } from './neighbours';
import { threadedNeighbours } from './parallel-neighbours';
import { type SearchStats, simdNeighbours } from './simd-neighbours';

function gaussian(n: number, d: number, seed: number, offset = 0): Matrix {
  const normal = normalSource(seededRandom(seed));
  return { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => offset + normal()) };
}

/** Rows `copies` times over, in a shuffled order: every row has exact ties at distance 0. */
function withDuplicates(x: Matrix, copies: number, seed: number): Matrix {
  const random = seededRandom(seed);
  const order = Array.from({ length: x.rows * copies }, (_, i) => i % x.rows);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const data = new Float64Array(order.length * x.cols);
  order.forEach((r, i) => data.set(x.data.subarray(r * x.cols, (r + 1) * x.cols), i * x.cols));
  return { rows: order.length, cols: x.cols, data };
}

function assertSame(found: Neighbours, expected: Neighbours): void {
  assert.deepEqual(Array.from(found.distances), Array.from(expected.distances));
  assert.deepEqual(Array.from(found.indices), Array.from(expected.indices));
}

/**
 * Where rows tie exactly at the k-th distance the searches may keep different ones: the sorted
 * distances must agree to the bit, every listed row must be at its listed distance, and those
 * nearer than the k-th must be the same rows.
 */
function assertSameUpToTies(x: Matrix, found: Neighbours, expected: Neighbours): void {
  const { k } = expected;
  const norms = squaredNorms(x);
  assert.deepEqual(Array.from(found.distances), Array.from(expected.distances));
  for (let i = 0; i < x.rows; i++) {
    const kth = expected.distances[i * k + k - 1];
    const nearer = (nb: Neighbours) => Array.from(nb.indices.subarray(i * k, (i + 1) * k)).filter((_, t) => nb.distances[i * k + t] < kth).sort((a, b) => a - b);
    assert.deepEqual(nearer(found), nearer(expected), `row ${i}`);
    for (let t = 0; t < k; t++) {
      const j = found.indices[i * k + t];
      assert.notEqual(j, i);
      assert.equal(normTrickDistance(x.data, x.cols, i * x.cols, j * x.cols, norms[i], norms[j]), found.distances[i * k + t]);
    }
  }
}

describe('the SIMD neighbour search', () => {
  it('finds exactly what the float64 search finds on random rows, n and d off the tile sizes', () => {
    for (const [n, d, k] of [[1003, 50, 90], [261, 7, 15], [130, 3, 10]]) {
      const x = gaussian(n, d, n + d);
      const stats: SearchStats = { searchedAgain: -1 };
      assertSame(simdNeighbours(x, k, stats), exactNeighbours(x, k));
      assert.equal(stats.searchedAgain, 0, `n = ${n}: the float32 candidates vouch for every row`);
    }
  });

  it('finds exactly what the float64 search finds on clusters far from the origin', () => {
    const { x } = blobs(300, 5, 20, 3);
    for (let t = 0; t < x.data.length; t++) x.data[t] += 500;
    assertSame(simdNeighbours(x, 30), exactNeighbours(x, 30));
  });

  it('lists every other row when k is n − 1, and all but one when it is n − 2', () => {
    const x = gaussian(37, 5, 1);
    for (const k of [36, 35]) assertSame(simdNeighbours(x, k), exactNeighbours(x, k));
  });

  it('searches rows with more duplicates than it keeps candidates again in float64, keeping the lower indices', () => {
    // 15 copies of each row: more rows at distance 0 than the k + 8 candidates kept.
    const x = withDuplicates(gaussian(60, 6, 2), 16, 4);
    const k = 4;
    const stats: SearchStats = { searchedAgain: 0 };
    const found = simdNeighbours(x, k, stats);
    assert.equal(stats.searchedAgain, x.rows);
    assertSameUpToTies(x, found, exactNeighbours(x, k));
    const norms = squaredNorms(x);
    for (let i = 0; i < x.rows; i++) {
      const listed = found.indices.subarray(i * k, (i + 1) * k);
      const kth = found.distances[i * k + k - 1];
      for (let t = 1; t < k; t++) assert.ok(found.distances[i * k + t - 1] < found.distances[i * k + t] || listed[t - 1] < listed[t], `row ${i} sorted by (distance, index)`);
      for (let j = 0; j < x.rows; j++) {
        const tied = j !== i && !listed.includes(j) && normTrickDistance(x.data, x.cols, i * x.cols, j * x.cols, norms[i], norms[j]) === kth;
        assert.ok(!tied || j > listed[k - 1], `row ${i}: ${j} ties at the k-th place after ${listed[k - 1]}`);
      }
    }
  });

  it('vouches for rows whose duplicates all fit among the kept candidates', () => {
    const x = withDuplicates(gaussian(150, 6, 3), 6, 5);
    const stats: SearchStats = { searchedAgain: -1 };
    assertSameUpToTies(x, simdNeighbours(x, 4, stats), exactNeighbours(x, 4));
    assert.equal(stats.searchedAgain, 0);
  });

  it('bounds the float32 distances error by what it assumes', () => {
    const x = gaussian(500, 50, 5, 30);
    const kk = 40;
    const search = new Float32CandidateSearch(x, kk, 128);
    const { idx, dist } = search.search(0, 128);
    const norms = squaredNorms(x);
    const maxCentred = Math.max(...search.centredLengths);
    const maxLength = Math.sqrt(Math.max(...norms));
    for (let q = 0; q < 128; q++) {
      const bound = float32DistanceError(50, search.centredLengths[q], maxCentred, Math.sqrt(norms[q]), maxLength);
      for (let t = 0; t < kk; t++) {
        const j = idx[q * kk + t];
        const exact = normTrickDistance(x.data, 50, q * 50, j * 50, norms[q], norms[j]);
        assert.ok(Math.abs(dist[q * kk + t] - exact) < bound, `rows ${q}, ${j}`);
      }
    }
  });

  it('finds the same on 1 and 2 threads, duplicates included', async () => {
    const x = gaussian(1500, 50, 6);
    assertSame(await threadedNeighbours(x, 90, 2), simdNeighbours(x, 90));
    assertSame(await threadedNeighbours(x, 90, 1), simdNeighbours(x, 90));
    const twice = withDuplicates(gaussian(400, 9, 7), 2, 8);
    assertSame(await threadedNeighbours(twice, 12, 2), simdNeighbours(twice, 12));
  });
});
