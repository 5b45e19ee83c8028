import { type JobContext, type JobOutput, type Labels, type Matrix, type OutputFile } from '@gpulab/compute';
import { activeBackend, initBackend } from '../backend';
import { buildCnn } from '../cnn';
import { CONFUSION_CHART_MAX_CLASSES, confusionChartPng, confusionMatrix } from '../confusion-chart';
import { formatImageShape } from '../image-shape';
import { layerNames, saveModelFiles } from '../model-files';
import { evaluateClassifier, type LabelledImages, trainClassifier } from '../trainer';
import { trainingChartPng } from '../training-chart';
import { type TrainClassifierParams, trainClassifierParamsRecord } from './train-classifier-params';

/** The share of the progress bar the training epochs fill; the rest is set-up and the test. */
const TRAINING_SHARE = 0.93;

/** Confusion matrices up to this many classes are inline in the result. */
const INLINE_CONFUSION_CLASSES = 100;

/**
 * One `train-classifier` job: split the rows (training, validation, then the last rows held out
 * for the test), build and train the CNN, test it, and leave the model and its pictures.
 */
export async function runTrainClassifier(p: TrainClassifierParams, input: Matrix, labels: Labels, context: JobContext): Promise<JobOutput> {
  const { progress, log, signal, checkpoint } = context;
  const backend = activeBackend() ?? (await initBackend());
  await progress(0.01, `preparing ${p.rows} images of ${formatImageShape(p.imageShape)} on ${backend.name}`);
  const { x, inputScale } = asFloat32(input, p.rows);
  const features = input.cols;
  const classes = labels.names.length;
  const part = (from: number, count: number): LabelledImages => ({
    x: x.subarray(from * features, (from + count) * features),
    labels: labels.codes.subarray(from, from + count),
  });
  const train = part(0, p.split.train);
  const validation = part(p.split.train, p.split.validation);
  const test = part(p.split.train + p.split.validation, p.split.test);
  await warnAboutSortedRows(train.labels, test.labels, labels.names, log);

  const model = buildCnn({ imageShape: p.imageShape, classes, blocks: p.blocks, kernelSize: p.kernelSize, dense: p.dense, dropout: p.dropout, inputScale, seed: p.seed });
  try {
    const started = performance.now();
    const run = await trainClassifier(model, train, {
      imageShape: p.imageShape,
      classes,
      epochs: p.epochs,
      batchSize: p.batchSize,
      learningRate: p.learningRate,
      schedule: p.schedule,
      seed: p.seed,
      shift: p.shift,
      validation,
      signal,
      checkpoint,
      fingerprint: JSON.stringify({ params: trainClassifierParamsRecord(p), classes: labels.names }),
      log: (level, message) => log(level, message),
      onBatch: (b) =>
        progress(
          0.02 + (TRAINING_SHARE * (b.epoch - 1 + b.batch / b.batches)) / b.epochs,
          `epoch ${b.epoch}/${b.epochs}, batch ${b.batch}/${b.batches}: loss ${b.loss.toFixed(4)}, accuracy ${percent(b.accuracy)}, ${Math.round(b.imagesPerSecond)} images/s`,
        ),
      onEpoch: (e) =>
        log(
          'info',
          `epoch ${e.epoch}/${p.epochs}: loss ${e.loss.toFixed(4)}, accuracy ${percent(e.accuracy)}` +
            (e.valLoss !== undefined ? `, validation loss ${e.valLoss.toFixed(4)}, validation accuracy ${percent(e.valAccuracy ?? 0)}` : '') +
            `, ${e.seconds.toFixed(1)} s, ${Math.round(e.imagesPerSecond)} images/s; checkpoint saved`,
        ),
    });
    const trainingMs = performance.now() - started;
    await progress(0.02 + TRAINING_SHARE, `testing on the last ${p.split.test} rows`);
    const evaluated = performance.now();
    const tested = test.labels.length > 0 ? evaluateClassifier(model, test, p.imageShape, classes) : undefined;
    const confusion = tested ? confusionMatrix(test.labels, tested.predicted, classes) : undefined;
    const evaluationMs = performance.now() - evaluated;
    if (tested) await log('info', `test: loss ${tested.loss.toFixed(4)}, accuracy ${percent(tested.accuracy)} on ${test.labels.length} held-out rows`);

    const modelFiles = await saveModelFiles(model);
    const files: OutputFile[] = [
      { name: 'model.json', contentType: 'application/json', bytes: modelFiles['model.json'], description: 'TensorFlow.js layers model: topology and weights manifest' },
      { name: 'weights.bin', contentType: 'application/octet-stream', bytes: modelFiles['weights.bin'], description: 'the weights, float32, in the order of model.json' },
      {
        name: 'training.png',
        contentType: 'image/png',
        bytes: trainingChartPng(run.history, { title: `Training on ${p.split.train.toLocaleString('en-US')} images (${backend.name})` }),
        description: 'loss and accuracy per epoch, training and validation',
      },
    ];
    if (confusion && tested && classes <= CONFUSION_CHART_MAX_CLASSES) {
      files.push({
        name: 'confusion.png',
        contentType: 'image/png',
        bytes: confusionChartPng(confusion, labels.names, `Test accuracy ${percent(tested.accuracy)} on ${test.labels.length.toLocaleString('en-US')} held-out images`),
        description: 'confusion matrix of the test rows: true class by predicted class',
      });
    }
    await progress(1, 'done');
    return {
      backend: backend.name,
      files,
      model: {
        modelJson: modelFiles['model.json'],
        weights: modelFiles['weights.bin'],
        inputShape: [...p.imageShape],
        classes,
        layers: layerNames(model),
        parameters: model.countParams(),
      },
      result: {
        testAccuracy: tested?.accuracy ?? null,
        testLoss: tested?.loss ?? null,
        history: run.history,
        backend,
        imagesPerSecond: run.imagesPerSecond,
        resumedFromEpoch: run.resumedFromEpoch,
        modelFiles: ['model.json', 'weights.bin'],
        classes: labels.names,
        layers: layerNames(model),
        parameters: model.countParams(),
        imageShape: formatImageShape(p.imageShape),
        inputScale,
        rows: p.split,
        timingsMs: { training: Math.round(trainingMs), evaluation: Math.round(evaluationMs) },
        ...(confusion && classes <= INLINE_CONFUSION_CLASSES ? { confusionMatrix: confusion } : {}),
      },
    };
  } finally {
    model.dispose();
  }
}

/**
 * The rows used, as float32 (what tfjs computes in), and the factor that brings the values
 * into [-1, 1]: pixels of 0..255 train badly with the learning rates that suit 0..1, and the
 * factor goes into the model as its first layer, so the saved model takes the data as given.
 */
function asFloat32(input: Matrix, rows: number): { x: Float32Array; inputScale: number } {
  const values = input.data.subarray(0, rows * input.cols);
  const x = Float32Array.from(values);
  let largest = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]);
    if (v > largest) largest = v;
  }
  return { x, inputScale: largest > 1 ? 1 / largest : 1 };
}

/** Data sorted by class leaves the test rows (the last ones) with classes never trained on. */
async function warnAboutSortedRows(train: Int32Array, test: Int32Array, names: readonly string[], log: JobContext['log']): Promise<void> {
  if (test.length === 0) return;
  const trained = new Set(train);
  const unseen = new Set([...test].filter((c) => !trained.has(c)));
  if (unseen.size > 0) {
    const which = [...unseen].slice(0, 5).map((c) => names[c]);
    await log('warn', `the test rows (the last ones) hold classes the training rows never show (${which.join(', ')}${unseen.size > 5 ? ', …' : ''}): are the rows sorted by class? Shuffle them before uploading`);
  }
}

function percent(share: number): string {
  return `${(100 * share).toFixed(2)}%`;
}
