import { InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { initBackend } from '../backend';
import { type NeuralJobKind } from '../neural-job-kind';
import { compileTrainClassifierParams, trainClassifierParamsRecord } from './train-classifier-params';
import { runTrainClassifier } from './train-classifier-run';

/**
 * Trains the lecture's CNN on labelled images and tests it on the rows held out at the end.
 * Nothing here loads TensorFlow.js until `run` (or `initBackend`) is called: the gateway uses
 * `prepare` only.
 */
export const trainClassifierKind: NeuralJobKind = {
  name: 'train-classifier',
  summary: 'trains a convolutional network on labelled images: test accuracy, curves, the model for tf.loadLayersModel',
  input: 'matrix',
  prepare(params, input) {
    return trainClassifierParamsRecord(compileTrainClassifierParams(params, input));
  },
  initBackend,
  async run(context) {
    const { input, labels } = context;
    if (!input) throw new InvalidParameterError('input', 'train-classifier needs labelled images');
    if (!labels) throw new InvalidInputError('LABELS_MISSING', 'train-classifier needs a class for every row, and the input has none');
    if (labels.codes.length < input.rows) throw new InvalidInputError('LABELS_MISSING', `the input has ${input.rows} rows but ${labels.codes.length} labels`);
    const params = compileTrainClassifierParams(context.params, { rows: input.rows, cols: input.cols, labeled: true });
    return runTrainClassifier(params, input, labels, context);
  },
};
