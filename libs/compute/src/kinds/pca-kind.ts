import { InvalidParameterError } from '../errors';
import { type JobKind } from '../job-kind';
import { toRows } from '../matrix';
import { pca } from '../pca';
import { integerParam, rejectUnknownParams } from '../params';

const PARAMS = ['components'] as const;

/** The lecture's PCA: `components` principal axes (default 2, at most the number of features). */
export const pcaKind: JobKind = {
  name: 'pca',
  summary: 'principal component analysis: eigenvalues, explained variance and the projected data',
  input: 'matrix',
  prepare(params, input) {
    rejectUnknownParams('pca', params, PARAMS);
    if (!input) throw new InvalidParameterError('input', 'pca needs data: give --input FILE.csv or --dataset NAME');
    const components = integerParam(params, 'components', Math.min(2, input.cols), 1, Number.MAX_SAFE_INTEGER);
    if (components > input.cols) {
      throw new InvalidParameterError(
        'components',
        `components is ${components} but the data has only ${input.cols} feature${input.cols === 1 ? '' : 's'} (columns)`,
      );
    }
    if (input.rows < 2) throw new InvalidParameterError('input', `pca needs at least 2 rows of data, the input has ${input.rows}`);
    return { components };
  },
  async run({ params, input, progress }) {
    if (!input) throw new InvalidParameterError('input', 'pca needs data');
    await progress(0.05, `centering ${input.rows} x ${input.cols}`);
    const fit = pca(input, { components: Number(params.components), onProgress: (f, m) => void progress(f, m) });
    return {
      backend: 'cpu',
      result: {
        components: fit.components,
        eigenvalues: Array.from(fit.eigenvalues),
        explainedVarianceRatio: Array.from(fit.explainedVarianceRatio),
        mean: Array.from(fit.mean),
        basis: toRows(fit.basis),
        embedding: toRows(fit.embedding),
        signConvention: 'each axis is flipped so that its largest-magnitude entry is positive',
      },
    };
  },
};
