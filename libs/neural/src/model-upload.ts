import type * as Tf from '@tensorflow/tfjs';
import { type ModelBundle, type ModelSummary } from '@gpulab/contracts';
import { InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { activeBackend, initBackend } from './backend';
import { layerNames, loadModelFromFiles } from './model-files';
import { LayerChain } from './techniques/layer-chain';

/** What an uploaded model becomes: the bundle to store, and what the gateway tells about it. */
export interface UploadedModel {
  bundle: ModelBundle;
  summary: ModelSummary;
}

/**
 * Reads an uploaded TensorFlow.js layers model (model.json, and its weights: the files of its
 * manifest one after the other) the way a job will load it, so a model that does not load is
 * refused at the upload and not in a job later. The stored model.json names one weights file,
 * `weights.bin`, as `saveModelFiles` writes it. Visualization jobs need a model that takes
 * images ([batch, height, width, channels]), gives one score per class, and is a chain of
 * layers (the techniques walk it layer by layer).
 */
export async function readUploadedModel(modelJson: Uint8Array, weights: Uint8Array): Promise<UploadedModel> {
  const fail = (message: string): never => {
    throw new InvalidInputError('MODEL_FORMAT', message);
  };
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(Buffer.from(modelJson).toString('utf8')) as Record<string, unknown>;
  } catch (error) {
    return fail(`model.json is not JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return fail('model.json is not a TensorFlow.js layers model: it is not a JSON object');
  if (json.format === 'graph-model') {
    fail('this is a TensorFlow.js graph model (a converted SavedModel); gpulab reads layers models: convert a Keras model with tensorflowjs_converter --output_format tfjs_layers_model');
  }
  const manifest = json.weightsManifest;
  if (!Array.isArray(manifest)) return fail('model.json is not a TensorFlow.js layers model: it needs "modelTopology" and "weightsManifest"');
  const single = { ...json, weightsManifest: [{ paths: ['weights.bin'], weights: manifest.flatMap((group: { weights?: unknown[] }) => group?.weights ?? []) }] };
  const stored = Buffer.from(JSON.stringify(single));
  // The gateway has no backend of its own; the cpu one reads any model a worker can.
  if (!activeBackend()) await initBackend('cpu');
  const model = await loadModelFromFiles({ 'model.json': stored, 'weights.bin': weights });
  try {
    return { bundle: { modelJson: stored, weights }, summary: summarize(model) };
  } finally {
    model.dispose();
  }
}

function summarize(model: Tf.LayersModel): ModelSummary {
  const input = model.inputs[0].shape;
  const output = model.outputs[0].shape;
  if (model.inputs.length !== 1 || input.length !== 4 || input.slice(1).some((d) => d === null)) {
    throw new InvalidInputError(
      'MODEL_FORMAT',
      `the model takes inputs of shape [${input.map(String).join(', ')}]; gpulab's jobs need one input of images [batch, height, width, channels] with a fixed size`,
    );
  }
  if (model.outputs.length !== 1 || output.length !== 2 || output[1] === null) {
    throw new InvalidInputError('MODEL_FORMAT', `the model gives outputs of shape [${output.map(String).join(', ')}]; gpulab's jobs need one score per class, [batch, classes]`);
  }
  const channels = Number(input[3]);
  if (channels !== 1 && channels !== 3) throw new InvalidInputError('MODEL_FORMAT', `the model takes images of ${channels} channels; gpulab's jobs draw and read 1 (gray) or 3 (RGB)`);
  try {
    LayerChain.of(model);
  } catch (error) {
    if (error instanceof InvalidParameterError) throw new InvalidInputError('MODEL_FORMAT', error.message, { cause: error });
    throw error;
  }
  return { inputShape: input.slice(1).map(Number), classes: Number(output[1]), layers: layerNames(model), parameters: model.countParams() };
}
