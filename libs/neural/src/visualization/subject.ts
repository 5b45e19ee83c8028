import { InvalidParameterError, type JobContext, type OutputFile } from '@gpulab/compute';
import { encodeNpy } from '@gpulab/compute';
import { activeBackend, type BackendInfo, initBackend } from '../backend';
import { formatImageShape, type ImageShape } from '../image-shape';
import { layerNames, loadModelFromFiles, MODEL_FILE_NAMES, type ModelFiles } from '../model-files';
import { type Tf, tfjs } from '../tfjs';

/** What every visualization job works on: a trained model, and (most of them) images of the input. */
export interface Subject {
  tf: typeof Tf;
  model: Tf.LayersModel;
  backend: BackendInfo;
  imageShape: ImageShape;
  layers: string[];
}

/** Loads the model the gateway checked (`params.model`, a training job's id) on the backend the worker readied. */
export async function loadSubject(context: JobContext): Promise<Subject> {
  const backend = activeBackend() ?? (await initBackend());
  const jobId = String(context.params.model);
  const files: Partial<ModelFiles> = {};
  for (const name of MODEL_FILE_NAMES) {
    const bytes = await context.jobFiles.read(jobId, name);
    if (!bytes) throw new InvalidParameterError('model', `the model of job ${jobId} is no longer stored (${name} is missing)`);
    files[name] = bytes;
  }
  const model = await loadModelFromFiles(files as ModelFiles);
  const shape = model.inputs[0].shape;
  if (shape.length !== 4) throw new InvalidParameterError('model', `the model takes inputs of shape [${shape.join(', ')}], not images`);
  const imageShape: ImageShape = [Number(shape[1]), Number(shape[2]), Number(shape[3])];
  return { tf: tfjs(), model, backend, imageShape, layers: layerNames(model) };
}

/**
 * Row `index` of the job's input as one image [1, H, W, C] of the model's input shape, with its
 * class when the data is labelled.
 */
export function inputImage(subject: Subject, context: JobContext, index: number): { image: Tf.Tensor4D; label?: number; labelName?: string } {
  const input = context.input;
  if (!input) throw new InvalidParameterError('input', 'this technique needs an input image: --dataset NAME --set index=N, or --input ARTIFACT_ID');
  if (index >= input.rows) throw new InvalidParameterError('index', `index ${index} is past the input's last row (${input.rows - 1})`);
  const [h, w, c] = subject.imageShape;
  if (input.cols !== h * w * c) {
    throw new InvalidParameterError('input', `the input's rows have ${input.cols} values, but the model takes ${formatImageShape(subject.imageShape)} images (${h * w * c} values)`);
  }
  const pixels = Float32Array.from(input.data.subarray(index * input.cols, (index + 1) * input.cols));
  const image = subject.tf.tensor4d(pixels, [1, h, w, c]);
  const code = context.labels?.codes[index];
  return { image, label: code, labelName: code === undefined ? undefined : context.labels?.names[code] };
}

/** A file of raw values that numpy reads: float32, in the tensor's shape. */
export function npyFile(name: string, tensor: Tf.Tensor, description: string): OutputFile {
  return { name, contentType: 'application/x-npy', bytes: encodeNpy(tensor.shape, Float32Array.from(tensor.dataSync())), description };
}

export function pngFile(name: string, bytes: Uint8Array, description: string): OutputFile {
  return { name, contentType: 'image/png', bytes, description };
}

/** A class index parameter checked against the model's outputs. */
export function classParam(subject: Subject, value: unknown, fallback: number | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return fallback;
  const classes = Number(subject.model.outputs[0].shape.at(-1));
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n >= classes) {
    throw new InvalidParameterError('class', `class must be a whole number from 0 to ${classes - 1} (the model's classes), not ${JSON.stringify(value)}`);
  }
  return n;
}
