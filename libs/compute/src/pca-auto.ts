import { type Matrix } from './matrix';
import { pca, type PcaResult } from './pca';
import { randomizedPca } from './randomized-pca';

export const PCA_SOLVERS = ['auto', 'exact', 'randomized'] as const;
export type PcaSolver = (typeof PCA_SOLVERS)[number];

/**
 * The solver `auto` picks: randomized when the data is large and wide and few components are
 * wanted (the covariance would cost far more than a few passes over 2k + 10 directions),
 * exact otherwise. The same rule as scikit-learn's.
 */
export function chooseSolver(rows: number, cols: number, components: number): Exclude<PcaSolver, 'auto'> {
  return Math.max(rows, cols) > 500 && cols > 100 && components < 0.8 * Math.min(rows, cols) && components + 10 < cols / 4 ? 'randomized' : 'exact';
}

/** PCA with the solver chosen by {@link chooseSolver} unless one is named. */
export function principalComponents(
  x: Matrix,
  components: number,
  solver: PcaSolver = 'auto',
  onProgress?: (fraction: number, message: string) => void,
): PcaResult & { solver: Exclude<PcaSolver, 'auto'> } {
  const chosen = solver === 'auto' ? chooseSolver(x.rows, x.cols, components) : solver;
  const fit = chosen === 'randomized' ? randomizedPca(x, { components, onProgress }) : pca(x, { components, onProgress });
  return { ...fit, solver: chosen };
}
