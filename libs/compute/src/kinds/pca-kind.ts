import { InvalidParameterError } from '../errors';
import { type JobKind } from '../job-kind';
import { toRows } from '../matrix';
import { PCA_SOLVERS, type PcaSolver, principalComponents } from '../pca-auto';
import { type ParamTable, rejectUnknownParams } from '../param-table';
import { isGiven, readBoolean, readChoice, readInteger } from '../params';
import { embeddingFiles, firstLabels } from './embedding-files';

/** pca's parameters, defaults and ranges: what `compile` reads and `gpulab kinds` shows. */
export const PCA_PARAMS = [
  { name: 'components', type: 'integer', default: 'min(2, columns)', min: 1, meaning: 'principal axes to keep, at most the number of features' },
  { name: 'solver', type: 'enum', values: PCA_SOLVERS, default: 'auto', meaning: 'exact, randomized, or auto (chosen by size)' },
  { name: 'whiten', type: 'boolean', default: false, meaning: 'scale each component to unit variance' },
  { name: 'rows', type: 'integer', default: 'all rows', min: 1, meaning: 'use only the first N rows' },
] as const satisfies ParamTable;

const [COMPONENTS, SOLVER, WHITEN, ROWS] = PCA_PARAMS;

/** pca's parameters, checked against the data. */
export interface PcaParams {
  components: number;
  solver: PcaSolver;
  whiten: boolean;
  /** The first rows used; undefined for all of them. */
  rows?: number;
}

/** The projected data is inline in the result up to this many values; it is always in the files. */
const INLINE_VALUES = 100_000;

/**
 * The lecture's PCA: `components` principal axes (default 2, at most the number of features),
 * exact or randomized (`solver`, chosen by size when `auto`), optionally whitened.
 */
export const pcaKind: JobKind<PcaParams> = {
  name: 'pca',
  summary: 'principal component analysis: eigenvalues, explained variance, the projected data and its plot',
  input: 'matrix',
  params: PCA_PARAMS,
  compile(params, input) {
    rejectUnknownParams('pca', params, PCA_PARAMS);
    if (!input) throw new InvalidParameterError('input', 'pca needs data: give --input FILE or ARTIFACT_ID, or --dataset NAME');
    const components = readInteger(params, COMPONENTS, { fallback: Math.min(2, input.cols) });
    if (components > input.cols) {
      throw new InvalidParameterError(
        'components',
        `components is ${components} but the data has only ${input.cols} feature${input.cols === 1 ? '' : 's'} (columns)`,
      );
    }
    const rows = isGiven(params, ROWS.name) ? readInteger(params, ROWS, { max: input.rows }) : input.rows;
    if (rows < 2) throw new InvalidParameterError('input', `pca needs at least 2 rows of data, the input has ${rows}`);
    const solver = readChoice(params, SOLVER);
    if (solver === 'randomized' && components > Math.min(rows, input.cols)) {
      throw new InvalidParameterError('components', `the randomized solver finds at most ${Math.min(rows, input.cols)} components here`);
    }
    return { components, solver, whiten: readBoolean(params, WHITEN), ...(rows !== input.rows ? { rows } : {}) };
  },
  record(p) {
    // Defaults stay out of the record, so a job's listing shows what its submitter chose.
    const recorded: Record<string, unknown> = { components: p.components };
    if (p.solver !== 'auto') recorded.solver = p.solver;
    if (p.whiten) recorded.whiten = true;
    if (p.rows !== undefined) recorded.rows = p.rows;
    return recorded;
  },
  async run({ input, labels, progress }, { components, solver, whiten, rows: firstRows }) {
    if (!input) throw new InvalidParameterError('input', 'pca needs data');
    const rows = Math.min(firstRows ?? input.rows, input.rows);
    const data = rows === input.rows ? input : { rows, cols: input.cols, data: input.data.subarray(0, rows * input.cols) };
    await progress(0.05, `centering ${rows} x ${input.cols}`);
    const [wallAt, cpuAt] = [performance.now(), process.cpuUsage()];
    const fit = principalComponents(data, components, solver, (f, m) => void progress(0.05 + 0.9 * f, m));
    const cpu = process.cpuUsage(cpuAt);
    const fitMs = { wall: Math.round(performance.now() - wallAt), cpu: Math.round((cpu.user + cpu.system) / 1000) };
    if (whiten) {
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
        whiten,
        eigenvalues: Array.from(fit.eigenvalues),
        explainedVarianceRatio: Array.from(fit.explainedVarianceRatio),
        mean: Array.from(fit.mean),
        basis: toRows(fit.basis),
        ...(rows * components <= INLINE_VALUES ? { embedding: toRows(fit.embedding) } : {}),
        ...(classes ? { classes: classes.names } : {}),
        signConvention: 'each axis is flipped so that its largest-magnitude entry is positive',
        // The fit alone (centering, passes, eigen-decomposition, projection), not the data's loading.
        timingsMs: { fit: fitMs.wall },
        cpuMs: { fit: fitMs.cpu },
      },
    };
  },
};

function percent(ratio: number): string {
  return `${(100 * ratio).toFixed(1)}%`;
}
