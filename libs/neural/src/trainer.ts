import type * as Tf from '@tensorflow/tfjs';
import { seededRandom } from '@gpulab/compute';
import { type ImageShape } from './image-shape';
import { type EpochStats } from './epoch-stats';
import { tfjs } from './tfjs';
import { decodeCheckpoint, encodeCheckpoint, type TrainingState } from './training-checkpoint';

/** Images with a class each: row i of `x` (height · width · channels values, HWC order) is of class `labels[i]`. */
export interface LabelledImages {
  x: Float32Array;
  labels: Int32Array;
}

export interface BatchProgress {
  /** 1-based. */
  epoch: number;
  epochs: number;
  /** 1-based, within the epoch. */
  batch: number;
  batches: number;
  /** Mean cross-entropy of this batch. */
  loss: number;
  /** Share of this batch classified right, 0..1. */
  accuracy: number;
  /** Training images per second so far in this epoch. */
  imagesPerSecond: number;
}

/** One completed epoch: the training figures are means over its batches. */
export { type EpochStats } from './epoch-stats';

/** Where a run keeps its progress between attempts (a job's `JobContext.checkpoint`). */
export interface CheckpointStore {
  load(): Promise<Uint8Array | undefined>;
  save(bytes: Uint8Array): Promise<void>;
}

export interface TrainerOptions {
  imageShape: ImageShape;
  classes: number;
  /** Passes over the training images. @default 3 */
  epochs?: number;
  /** Images per step. @default 64 */
  batchSize?: number;
  /** Adam's step size at the first step. @default 0.002 */
  learningRate?: number;
  /**
   * How the step size changes over the run: `linear` falls from `learningRate` at the first
   * step to 2 % of it at the last, `constant` keeps it. Large steps first and small ones at the
   * end reach a given accuracy in fewer epochs than any one constant rate. @default 'linear'
   */
  schedule?: LearningRateSchedule;
  /** Seeds the shuffling, the shifts and the dropout masks; the model's initial weights are the builder's. @default 0 */
  seed?: number;
  /**
   * Augmentation: each training image is moved by up to this many pixels each way, a new random
   * shift every time it is drawn (the vacated border is 0). @default 0
   */
  shift?: number;
  /** Evaluated after every epoch. */
  validation?: LabelledImages;
  /** Checked between batches; when aborted, training rejects with the signal's reason. */
  signal?: AbortSignal;
  onBatch?(progress: BatchProgress): void | Promise<void>;
  onEpoch?(stats: EpochStats): void | Promise<void>;
  /** Saved after every epoch and loaded at the start, so an interrupted run resumes. */
  checkpoint?: CheckpointStore;
  /**
   * Names the configuration; a checkpoint saved under another one is not resumed (it belongs to
   * other data or another model). @default the options, data sizes and weight shapes
   */
  fingerprint?: string;
  log?(level: 'info' | 'warn', message: string): void | Promise<void>;
}

export interface TrainingRun {
  /** Every epoch, those of an earlier attempt included. */
  history: EpochStats[];
  /** Epochs completed by an earlier attempt and taken from its checkpoint; 0 when none was. */
  resumedFromEpoch: number;
  /** Training images per second over the epochs this run trained. */
  imagesPerSecond: number;
}

export const LEARNING_RATE_SCHEDULES = ['linear', 'constant'] as const;
export type LearningRateSchedule = (typeof LEARNING_RATE_SCHEDULES)[number];

export const TRAINER_DEFAULTS: Readonly<Required<Pick<TrainerOptions, 'epochs' | 'batchSize' | 'learningRate' | 'schedule' | 'seed' | 'shift'>>> = {
  epochs: 3,
  batchSize: 16,
  learningRate: 0.002,
  schedule: 'linear',
  seed: 0,
  shift: 0,
};

/** Where the linear schedule ends, as a share of the first step size. */
const LINEAR_FLOOR = 0.02;

/** Streams of random numbers drawn from the seed, one per use, so that none shifts another. */
const STREAM = { shuffle: 1, dropout: 2, shift: 3 } as const;

/** Images per inference step in evaluation: larger batches amortize per-kernel overhead. */
const EVAL_BATCH = 256;

/**
 * Trains a classifier built by {@link buildCnn} with Adam on softmax cross-entropy of its
 * `logits` (the softmax layer is skipped: the fused loss is the stable one). The model is
 * changed in place. Deterministic for a seed on the cpu and wasm backends: shuffling uses a
 * seeded generator and each step's dropout mask a seed drawn from (seed, epoch, batch), so a
 * run resumed from a checkpoint takes the same batches as one never interrupted.
 */
export async function trainClassifier(model: Tf.Sequential, train: LabelledImages, options: TrainerOptions): Promise<TrainingRun> {
  const o = { ...TRAINER_DEFAULTS, ...options };
  const features = o.imageShape[0] * o.imageShape[1] * o.imageShape[2];
  const rows = train.labels.length;
  if (train.x.length !== rows * features) throw new RangeError(`${rows} labels but ${train.x.length / features} images of ${features} values`);
  if (rows === 0) throw new RangeError('there are no training images');
  const fingerprint = o.fingerprint ?? defaultFingerprint(model, rows, o);
  const optimizer = scheduledAdam(o.learningRate);
  const variables = model.trainableWeights.map((w) => w.read() as Tf.Variable);
  let history: EpochStats[] = [];
  let resumedFromEpoch = 0;
  try {
    const saved = o.checkpoint ? await o.checkpoint.load() : undefined;
    const state = saved && (await readable(saved, o.log));
    if (state) {
      try {
        if (state.fingerprint !== fingerprint) {
          await o.log?.('warn', 'the saved checkpoint belongs to another configuration; training from the start');
        } else {
          restore(model, state);
          await optimizer.setWeights(state.optimizer);
          history = state.history.slice(0, state.epoch);
          resumedFromEpoch = state.epoch;
          await o.log?.('info', `resumed from the checkpoint after epoch ${state.epoch} of ${o.epochs}`);
        }
      } finally {
        for (const t of [...state.weights, ...state.optimizer]) t.tensor.dispose();
      }
    }
    const batches = Math.ceil(rows / o.batchSize);
    let trainedImages = 0;
    let trainedSeconds = 0;
    for (let epoch = resumedFromEpoch + 1; epoch <= o.epochs; epoch++) {
      const order = permutation(rows, seededRandom(mix(o.seed, epoch, 0, STREAM.shuffle)));
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      for (let b = 0; b < batches; b++) {
        o.signal?.throwIfAborted();
        // A function of the step's place in the run, so a resumed run takes the same steps.
        optimizer.setLearningRate(stepSize(o.learningRate, o.schedule, (epoch - 1 + b / batches) / o.epochs));
        const from = b * o.batchSize;
        const indices = order.subarray(from, Math.min(rows, from + o.batchSize));
        const batch = gather(train, indices, o.imageShape, o.shift, seededRandom(mix(o.seed, epoch, b, STREAM.shift)));
        const [loss, hits] = trainStep(model, optimizer, variables, batch, o.imageShape, o.classes, mix(o.seed, epoch, b, STREAM.dropout));
        lossSum += loss * indices.length;
        correct += hits;
        const seen = from + indices.length;
        await o.onBatch?.({
          epoch,
          epochs: o.epochs,
          batch: b + 1,
          batches,
          loss,
          accuracy: hits / indices.length,
          imagesPerSecond: seen / ((performance.now() - started) / 1000),
        });
        // Let a stop request (a signal, a message on a socket) in between steps.
        await new Promise((resolve) => setImmediate(resolve));
      }
      const seconds = (performance.now() - started) / 1000;
      trainedImages += rows;
      trainedSeconds += seconds;
      const stats: EpochStats = { epoch, loss: lossSum / rows, accuracy: correct / rows, seconds, imagesPerSecond: rows / seconds };
      if (o.validation && o.validation.labels.length > 0) {
        const val = evaluateClassifier(model, o.validation, o.imageShape, o.classes);
        stats.valLoss = val.loss;
        stats.valAccuracy = val.accuracy;
      }
      history.push(stats);
      if (o.checkpoint) await o.checkpoint.save(await snapshot(model, optimizer, { fingerprint, epoch, history }));
      await o.onEpoch?.(stats);
    }
    // A run that only found its last epoch in the checkpoint reports the earlier attempt's speed.
    const earlier = history.length > 0 ? history.reduce((sum, h) => sum + h.imagesPerSecond, 0) / history.length : 0;
    const imagesPerSecond = trainedSeconds > 0 ? trainedImages / trainedSeconds : earlier;
    return { history, resumedFromEpoch, imagesPerSecond };
  } finally {
    optimizer.dispose();
  }
}

export interface Evaluation {
  /** Mean cross-entropy. */
  loss: number;
  /** Share classified right, 0..1. */
  accuracy: number;
  /** The class with the highest score, per image. */
  predicted: Int32Array;
}

/** Loss, accuracy and predictions of a classifier on labelled images, in inference mode. */
export function evaluateClassifier(model: Tf.Sequential, data: LabelledImages, imageShape: ImageShape, classes: number): Evaluation {
  const tf = tfjs();
  const features = imageShape[0] * imageShape[1] * imageShape[2];
  const rows = data.labels.length;
  const predicted = new Int32Array(rows);
  let lossSum = 0;
  let correct = 0;
  for (let from = 0; from < rows; from += EVAL_BATCH) {
    const n = Math.min(EVAL_BATCH, rows - from);
    const labels = data.labels.subarray(from, from + n);
    const [loss, guesses] = tf.tidy(() => {
      const x = tf.tensor4d(data.x.subarray(from * features, (from + n) * features), [n, ...imageShape]);
      const logits = forwardLogits(model, x, false, 0);
      const target = tf.oneHot(tf.tensor1d(labels, 'int32'), classes);
      return [tf.losses.softmaxCrossEntropy(target, logits).dataSync()[0], tf.argMax(logits, 1).dataSync() as Int32Array];
    });
    lossSum += loss * n;
    predicted.set(guesses, from);
    for (let i = 0; i < n; i++) if (guesses[i] === labels[i]) correct++;
  }
  return { loss: rows > 0 ? lossSum / rows : 0, accuracy: rows > 0 ? correct / rows : 0, predicted };
}

/** The step size at `progress` (0 at the first step, towards 1 at the last) of the run. */
function stepSize(learningRate: number, schedule: LearningRateSchedule, progress: number): number {
  return schedule === 'linear' ? learningRate * Math.max(LINEAR_FLOOR, 1 - (1 - LINEAR_FLOOR) * progress) : learningRate;
}

interface ScheduledAdam extends Tf.AdamOptimizer {
  setLearningRate(rate: number): void;
}

/** tfjs' Adam (β1 0.9, β2 0.999, as tf.train.adam) with a step size that can change between steps. */
function scheduledAdam(learningRate: number): ScheduledAdam {
  const tf = tfjs();
  class Scheduled extends tf.AdamOptimizer implements ScheduledAdam {
    setLearningRate(rate: number): void {
      this.learningRate = rate;
    }
  }
  return new Scheduled(learningRate, 0.9, 0.999);
}

/** One Adam step on a batch; returns the batch's mean loss and how many it classified right. */
function trainStep(
  model: Tf.Sequential,
  optimizer: Tf.Optimizer,
  variables: Tf.Variable[],
  batch: LabelledImages,
  imageShape: ImageShape,
  classes: number,
  dropoutSeed: number,
): [number, number] {
  const tf = tfjs();
  const n = batch.labels.length;
  return tf.tidy(() => {
    const x = tf.tensor4d(batch.x, [n, ...imageShape]);
    const labels = tf.tensor1d(batch.labels, 'int32');
    const target = tf.oneHot(labels, classes);
    let hits: Tf.Scalar | undefined;
    const loss = optimizer.minimize(
      () => {
        const logits = forwardLogits(model, x, true, dropoutSeed);
        hits = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), labels), 'int32')));
        return tf.losses.softmaxCrossEntropy(target, logits) as Tf.Scalar;
      },
      true,
      variables,
    );
    // Kept tensors outlive every tidy scope, so this one is disposed by hand.
    const correct = hits?.dataSync()[0] ?? 0;
    hits?.dispose();
    return [loss?.dataSync()[0] ?? NaN, correct];
  });
}

/**
 * The class scores: every layer up to `logits`, one at a time, so that dropout can take a mask
 * seeded per step (a Dropout layer given a seed draws the same mask at every call).
 */
function forwardLogits(model: Tf.Sequential, x: Tf.Tensor, training: boolean, dropoutSeed: number): Tf.Tensor {
  const tf = tfjs();
  let h = x;
  for (const layer of model.layers) {
    if (layer.name === 'softmax') break;
    if (layer.getClassName() === 'Dropout') {
      if (training) h = tf.dropout(h, Number(layer.getConfig().rate), undefined, dropoutSeed);
      continue;
    }
    h = layer.apply(h, { training }) as Tf.Tensor;
  }
  return h;
}

function gather(data: LabelledImages, indices: Uint32Array, imageShape: ImageShape, shift: number, random: () => number): LabelledImages {
  const [height, width, channels] = imageShape;
  const features = height * width * channels;
  // A fresh buffer per batch: the cpu backend keeps the array a tensor was made from.
  const x = new Float32Array(indices.length * features);
  const labels = new Int32Array(indices.length);
  indices.forEach((row, i) => {
    labels[i] = data.labels[row];
    const image = data.x.subarray(row * features, (row + 1) * features);
    if (shift === 0) {
      x.set(image, i * features);
      return;
    }
    const dy = Math.floor(random() * (2 * shift + 1)) - shift;
    const dx = Math.floor(random() * (2 * shift + 1)) - shift;
    const rowLength = width * channels;
    // Whole rows at a time: the part of each source row that stays inside the picture.
    const from = Math.max(0, -dx) * channels;
    const to = (width - Math.max(0, dx)) * channels;
    for (let y = Math.max(0, dy); y < Math.min(height, height + dy); y++) {
      const source = (y - dy) * rowLength;
      x.set(image.subarray(source + from, source + to), i * features + y * rowLength + from + dx * channels);
    }
  });
  return { x, labels };
}

/** A seeded Fisher–Yates shuffle of 0..n-1. */
function permutation(n: number, random: () => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** A 32-bit seed from the run's seed, the epoch, the batch and the stream (a murmur3-style mix). */
function mix(seed: number, epoch: number, batch: number, stream: number): number {
  let h = seed >>> 0;
  for (const k of [epoch, batch, stream]) {
    h = Math.imul(h ^ Math.imul(k + 1, 0xcc9e2d51), 0x1b873593);
    h = (h << 13) | (h >>> 19);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

async function snapshot(model: Tf.Sequential, optimizer: Tf.Optimizer, state: Pick<TrainingState, 'fingerprint' | 'epoch' | 'history'>): Promise<Uint8Array> {
  const tf = tfjs();
  const optimizerWeights = await optimizer.getWeights();
  try {
    return await encodeCheckpoint({ ...state, weights: model.weights.map((w) => ({ name: w.originalName, tensor: w.read() })), optimizer: optimizerWeights });
  } finally {
    // The step count comes as a new scalar; the moments are the optimizer's own variables.
    for (const w of optimizerWeights) if (!(w.tensor instanceof tf.Variable)) w.tensor.dispose();
  }
}

/** A checkpoint that cannot be read is reported and set aside: training from the start beats failing. */
async function readable(bytes: Uint8Array, log: TrainerOptions['log']): Promise<TrainingState | undefined> {
  try {
    return decodeCheckpoint(bytes);
  } catch (error) {
    await log?.('warn', `${(error as Error).message}; training from the start`);
    return undefined;
  }
}

function restore(model: Tf.Sequential, state: TrainingState): void {
  const expected = model.weights.map((w) => `${w.originalName} ${w.shape.join('x')}`);
  const found = state.weights.map((w) => `${w.name} ${w.tensor.shape.join('x')}`);
  if (expected.join() !== found.join()) throw new RangeError(`the checkpoint's weights (${found.join(', ')}) do not fit the model (${expected.join(', ')})`);
  model.setWeights(state.weights.map((w) => w.tensor));
}

function defaultFingerprint(model: Tf.Sequential, rows: number, o: TrainerOptions & typeof TRAINER_DEFAULTS): string {
  return JSON.stringify({
    rows,
    validation: o.validation?.labels.length ?? 0,
    imageShape: o.imageShape,
    classes: o.classes,
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    schedule: o.schedule,
    seed: o.seed,
    shift: o.shift,
    weights: model.weights.map((w) => [w.originalName, w.shape]),
  });
}
