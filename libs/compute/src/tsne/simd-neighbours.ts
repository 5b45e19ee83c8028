import { type Matrix } from '../matrix';
import { rerankRow, rerankScratch, type RerankInput } from './candidate-rerank';
import { Float32CandidateSearch } from './float32-candidates';
import { type Neighbours, squaredNorms } from './neighbours';

/** Query rows per kernel call, and the unit threads claim work in (a multiple of 8). */
export const QUERY_BLOCK = 128;
/**
 * Candidates kept beyond k in float32: slack for the float32 order to differ from the float64
 * one near the k-th place, so that re-ranking rarely has to search a row again.
 */
const CANDIDATE_MARGIN = 8;

/** Where a search writes its rows: n × k, as in {@link Neighbours}. */
export interface NeighbourRows {
  indices: Int32Array;
  distances: Float64Array;
}

/**
 * {@link exactNeighbours}' result, found with the float32 SIMD kernel: each row's k + 8 nearest
 * by float32 distance, re-ranked in float64 by the same formula, with a bound on the float32
 * error that proves the kept rows hold the k nearest (else that row is searched in float64).
 * So the neighbours are the k nearest by (float64 distance, index); exactNeighbours agrees but
 * for which of several rows tied exactly at the k-th distance it keeps.
 */
export function simdNeighbours(x: Matrix, k: number, stats?: SearchStats): Neighbours {
  const out = { indices: new Int32Array(x.rows * k), distances: new Float64Array(x.rows * k) };
  let next = 0;
  const searchedAgain = searchClaimedBlocks(x, k, () => next++, out);
  if (stats) stats.searchedAgain = searchedAgain;
  return { n: x.rows, k, ...out };
}

/** What a search reports about itself, for tests and benchmarks. */
export interface SearchStats {
  /** Rows whose float32 candidates could not vouch for the result, searched again in float64. */
  searchedAgain: number;
}

/**
 * Searches the query blocks (QUERY_BLOCK rows each) that `claim` hands out, block numbers
 * until one past the last, writing their rows into `out`. Threads that share `out` and a claim
 * counter split the rows between them as they go. Returns how many rows needed the float64
 * search.
 */
export function searchClaimedBlocks(x: Matrix, k: number, claim: () => number, out: NeighbourRows): number {
  const n = x.rows;
  if (k >= n) throw new RangeError(`k = ${k} needs more than ${n} points`);
  const kk = Math.min(n - 1, k + CANDIDATE_MARGIN);
  const search = new Float32CandidateSearch(x, kk, QUERY_BLOCK);
  const norms = squaredNorms(x);
  let maxLength = 0, maxCentredLength = 0;
  for (let i = 0; i < n; i++) {
    maxLength = Math.max(maxLength, Math.sqrt(norms[i]));
    maxCentredLength = Math.max(maxCentredLength, search.centredLengths[i]);
  }
  const input: RerankInput = { x, k, norms, centredLengths: search.centredLengths, maxCentredLength, maxLength };
  const scratch = rerankScratch(kk);
  let searchedAgain = 0;
  for (let block = claim(); block * QUERY_BLOCK < n; block = claim()) {
    const q0 = block * QUERY_BLOCK;
    const nq = Math.min(QUERY_BLOCK, n - q0);
    const { idx, dist } = search.search(q0, nq);
    for (let q = 0; q < nq; q++) if (rerankRow(input, q0 + q, idx, dist, q * kk, kk, out.indices, out.distances, scratch)) searchedAgain++;
  }
  return searchedAgain;
}
