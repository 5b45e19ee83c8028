import { InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { initBackend } from '../backend';
import { type NeuralJobKind } from '../neural-job-kind';
import { compileTrainClassifierParams, TRAIN_CLASSIFIER_PARAMS, type TrainClassifierParams, trainClassifierParamsRecord } from './train-classifier-params';
import { runTrainClassifier } from './train-classifier-run';

/**
 * Trains the lecture's CNN on labelled images and tests it on the rows held out at the end.
 * Nothing here loads TensorFlow.js until `run` (or `initBackend`) is called: the gateway uses
 * `compile` only.
 */
export const trainClassifierKind: NeuralJobKind<TrainClassifierParams> = {
  name: 'train-classifier',
  summary: 'trains a convolutional network on labelled images: test accuracy, curves, the model for tf.loadLayersModel',
  input: 'matrix',
  params: TRAIN_CLASSIFIER_PARAMS,
  compile: compileTrainClassifierParams,
  record: trainClassifierParamsRecord,
  initBackend,
  async run(context, params) {
    const { input, labels } = context;
    if (!input) throw new InvalidParameterError('input', 'train-classifier needs labelled images');
    if (!labels) throw new InvalidInputError('LABELS_MISSING', 'train-classifier needs a class for every row, and the input has none');
    if (labels.codes.length < input.rows) throw new InvalidInputError('LABELS_MISSING', `the input has ${input.rows} rows but ${labels.codes.length} labels`);
    return runTrainClassifier(params, input, labels, context);
  },
};
