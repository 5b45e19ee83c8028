import { InvalidParameterError } from '../errors';
import { type JobKind } from '../job-kind';
import { toRows } from '../matrix';
import { PCA_SOLVERS, type PcaSolver, principalComponents } from '../pca-auto';
import { booleanParam, choiceParam, integerParam, rejectUnknownParams } from '../params';
import { embeddingFiles, firstLabels } from './embedding-files';

const PARAMS = ['components', 'solver', 'whiten', 'rows'] as const;

/** The projected data is inline in the result up to this many values; it is always in the files. */
const INLINE_VALUES = 100_000;

/**
 * The lecture's PCA: `components` principal axes (default 2, at most the number of features),
 * exact or randomized (`solver`, chosen by size when `auto`), optionally whitened.
 */
export const pcaKind: JobKind = {
  name: 'pca',
  summary: 'principal component analysis: eigenvalues, explained variance, the projected data and its plot',
  input: 'matrix',
  prepare(params, input) {
    rejectUnknownParams('pca', params, PARAMS);
    if (!input) throw new InvalidParameterError('input', 'pca needs data: give --input FILE or ARTIFACT_ID, or --dataset NAME');
    const components = integerParam(params, 'components', Math.min(2, input.cols), 1, Number.MAX_SAFE_INTEGER);
    if (components > input.cols) {
      throw new InvalidParameterError(
        'components',
        `components is ${components} but the data has only ${input.cols} feature${input.cols === 1 ? '' : 's'} (columns)`,
      );
    }
    const rows = integerParam(params, 'rows', input.rows, 1, input.rows);
    if (rows < 2) throw new InvalidParameterError('input', `pca needs at least 2 rows of data, the input has ${rows}`);
    const solver = choiceParam<PcaSolver>(params, 'solver', 'auto', PCA_SOLVERS);
    if (solver === 'randomized' && components > Math.min(rows, input.cols)) {
      throw new InvalidParameterError('components', `the randomized solver finds at most ${Math.min(rows, input.cols)} components here`);
    }
    const whiten = booleanParam(params, 'whiten', false);
    const prepared: Record<string, unknown> = { components };
    if (solver !== 'auto') prepared.solver = solver;
    if (whiten) prepared.whiten = true;
    if (rows !== input.rows) prepared.rows = rows;
    return prepared;
  },
  async run({ params, input, labels, progress }) {
    if (!input) throw new InvalidParameterError('input', 'pca needs data');
    const rows = Math.min(Number(params.rows ?? input.rows), input.rows);
    const data = rows === input.rows ? input : { rows, cols: input.cols, data: input.data.subarray(0, rows * input.cols) };
    const components = Number(params.components);
    await progress(0.05, `centering ${rows} x ${input.cols}`);
    const fit = principalComponents(data, components, (params.solver as PcaSolver | undefined) ?? 'auto', (f, m) => void progress(0.05 + 0.9 * f, m));
    if (params.whiten === true) {
      // Unit variance per component: divide by the square root of its eigenvalue.
      const e = fit.embedding.data;
      for (let c = 0; c < components; c++) {
        const scale = fit.eigenvalues[c] > 0 ? 1 / Math.sqrt(fit.eigenvalues[c]) : 0;
        for (let i = 0; i < rows; i++) e[i * components + c] *= scale;
      }
    }
    const classes = firstLabels(labels, rows);
    const files = embeddingFiles(fit.embedding.data, rows, components, classes, {
      stem: 'pca',
      title: `PCA of ${rows.toLocaleString('en-US')} points (${percent(fit.explainedVarianceRatio[0] + (fit.explainedVarianceRatio[1] ?? 0))} of the variance in 2 components)`,
      xLabel: `PC 1 (${percent(fit.explainedVarianceRatio[0])})`,
      yLabel: `PC 2 (${percent(fit.explainedVarianceRatio[1] ?? 0)})`,
    });
    await progress(1, 'done');
    return {
      backend: 'cpu',
      files,
      result: {
        components: fit.components,
        solver: fit.solver,
        whiten: params.whiten === true,
        eigenvalues: Array.from(fit.eigenvalues),
        explainedVarianceRatio: Array.from(fit.explainedVarianceRatio),
        mean: Array.from(fit.mean),
        basis: toRows(fit.basis),
        ...(rows * components <= INLINE_VALUES ? { embedding: toRows(fit.embedding) } : {}),
        ...(classes ? { classes: classes.names } : {}),
        signConvention: 'each axis is flipped so that its largest-magnitude entry is positive',
      },
    };
  },
};

function percent(ratio: number): string {
  return `${(100 * ratio).toFixed(1)}%`;
}
