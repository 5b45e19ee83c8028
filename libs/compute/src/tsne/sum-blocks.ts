/**
 * Rows per partial sum. Sums over points (Z, the KL divergence) are taken per block of this
 * many rows and the blocks added in order, and threads are given whole blocks: the rounding
 * then depends on neither the number of threads nor how the rows are split among them, so an
 * embedding is the same for a seed on one core or eight.
 */
export const SUM_BLOCK_ROWS = 256;

export function blockCount(n: number): number {
  return Math.ceil(n / SUM_BLOCK_ROWS);
}

/** The rows [from, to) of a block. */
export function blockRows(block: number, n: number): [number, number] {
  const from = block * SUM_BLOCK_ROWS;
  return [from, Math.min(n, from + SUM_BLOCK_ROWS)];
}

/** The blocks' partial sums, in block order. */
export function sumBlocks(partials: Float64Array, blocks: number): number {
  let sum = 0;
  for (let b = 0; b < blocks; b++) sum += partials[b];
  return sum;
}
