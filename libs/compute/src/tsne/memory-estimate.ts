/**
 * What a worker may use for one job, in bytes. Typed arrays live outside V8's heap, so no Node
 * flag bounds them: a t-SNE job that needs more is refused at submission instead of being
 * killed half-way by the machine. 4 GiB is half the memory of the course's worker machines.
 */
export const WORKER_MEMORY_LIMIT_BYTES = 4 * 1024 ** 3;

export interface TsneMemoryEstimate {
  bytes: number;
  /** The largest part, k nearest neighbours per row (index and distance), for the message. */
  neighbourBytes: number;
  neighbours: number;
}

/**
 * The peak memory of a t-SNE run on the CPU path, from its shape: the input (float64), the PCA
 * reduction and its passes (about four n × d arrays), the neighbour search (counted as n × k × 12
 * bytes per thread: its result, n × k × 12 bytes, and per thread two float32 copies of the 50-column
 * rows, n × 400 bytes, fit in that), the conditional and the symmetric P (up to 2k entries per row,
 * 12 bytes each, both kept while P is built), the optimizer's six n × 2 arrays and the
 * Barnes-Hut tree (4n nodes of 104 bytes, an upper bound). For all 70,000 Fashion-MNIST images
 * that is 1.05 GB, where a run peaked at 0.99 GB resident.
 */
export function tsneMemoryEstimate(rows: number, cols: number, perplexity: number, reducedCols: number, threads: number): TsneMemoryEstimate {
  const k = Math.min(rows - 1, Math.floor(3 * perplexity + 1));
  const input = rows * cols * 8;
  const reduction = reducedCols > 0 ? 4 * rows * reducedCols * 8 : 0;
  const neighbourBytes = rows * k * 12;
  const affinities = 2 * rows * 2 * k * 12;
  const optimizer = rows * 2 * 8 * 6 + 4 * rows * 104;
  return { bytes: input + reduction + Math.max(1, threads) * neighbourBytes + affinities + optimizer, neighbourBytes, neighbours: k };
}
