import { type SparseAffinities } from './affinities';

/**
 * The repulsive half of the t-SNE gradient: for every point i, Σ_j w_ij² (y_i − y_j) into
 * `out` (x, y interleaved), where w_ij = 1 / (1 + ‖y_i − y_j‖²); returns Z = Σ_{i≠j} w_ij.
 * The gradient is then 4 (Σ_j p_ij w_ij (y_i − y_j) − out_i / Z).
 */
export interface Repulsion {
  readonly method: string;
  compute(y: Float64Array, n: number, out: Float64Array): number;
  /** Releases threads and WebAssembly memory, where it holds any. */
  dispose?(): void;
}

/**
 * The attractive half: `out_i += scale · Σ_j p_ij w_ij (y_i − y_j)` over P's entries. With
 * `klZ` given, also returns KL(P ‖ Q) with q_ij = w_ij / Z (P taken unscaled), else 0.
 */
export function addAttraction(p: SparseAffinities, y: Float64Array, scale: number, out: Float64Array, klZ?: number): number {
  const { n, rowStart, columns, values } = p;
  let kl = 0;
  for (let i = 0; i < n; i++) {
    const yi0 = y[2 * i];
    const yi1 = y[2 * i + 1];
    let f0 = 0;
    let f1 = 0;
    for (let e = rowStart[i]; e < rowStart[i + 1]; e++) {
      const j = columns[e];
      const d0 = yi0 - y[2 * j];
      const d1 = yi1 - y[2 * j + 1];
      const w = 1 / (1 + d0 * d0 + d1 * d1);
      const pw = values[e] * w;
      f0 += pw * d0;
      f1 += pw * d1;
      if (klZ !== undefined && values[e] > 0) kl += values[e] * Math.log((values[e] * klZ) / w);
    }
    out[2 * i] += scale * f0;
    out[2 * i + 1] += scale * f1;
  }
  return kl;
}

/** Every pair, O(n²): the reference the approximations are tested against. */
export class ExactRepulsion implements Repulsion {
  readonly method = 'exact';

  compute(y: Float64Array, n: number, out: Float64Array): number {
    out.fill(0, 0, 2 * n);
    let z = 0;
    for (let i = 0; i < n; i++) {
      const yi0 = y[2 * i];
      const yi1 = y[2 * i + 1];
      let f0 = 0;
      let f1 = 0;
      for (let j = i + 1; j < n; j++) {
        const d0 = yi0 - y[2 * j];
        const d1 = yi1 - y[2 * j + 1];
        const w = 1 / (1 + d0 * d0 + d1 * d1);
        const w2 = w * w;
        z += 2 * w;
        f0 += w2 * d0;
        f1 += w2 * d1;
        out[2 * j] -= w2 * d0;
        out[2 * j + 1] -= w2 * d1;
      }
      out[2 * i] += f0;
      out[2 * i + 1] += f1;
    }
    return z;
  }
}
