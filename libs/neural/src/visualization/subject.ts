import { ARTIFACT_ID_PATTERN, decodeModelBundle } from '@gpulab/contracts';
import { InvalidParameterError, type JobContext, type OutputFile } from '@gpulab/compute';
import { encodeNpy } from '@gpulab/compute';
import { activeBackend, type BackendInfo, initBackend } from '../backend';
import { formatImageShape, type ImageShape } from '../image-shape';
import { decodeImage, fitImage } from '../images';
import { layerNames, loadModelFromFiles, MODEL_FILE_NAMES, type ModelFiles } from '../model-files';
import { type Tf, tfjs } from '../tfjs';
import { quoteInput } from '@gpulab/contracts';

/** What every visualization job works on: a trained model, and (most of them) images of the input. */
export interface Subject {
  tf: typeof Tf;
  model: Tf.LayersModel;
  backend: BackendInfo;
  imageShape: ImageShape;
  layers: string[];
  /**
   * What was done to the input to fit the model (resized, converted, inverted), in sentences;
   * the job's result carries them as `inputNotes`.
   */
  notes: string[];
}

/**
 * Loads the model the gateway checked (`model`: a training job's id, or an uploaded model's
 * artifact id) on the backend the worker readied.
 */
export async function loadSubject(context: JobContext, id: string): Promise<Subject> {
  const backend = activeBackend() ?? (await initBackend());
  const model = await loadModelFromFiles(ARTIFACT_ID_PATTERN.test(id) ? await artifactModelFiles(context, id) : await jobModelFiles(context, id));
  const shape = model.inputs[0].shape;
  if (shape.length !== 4) throw new InvalidParameterError('model', `the model takes inputs of shape [${shape.join(', ')}], not images`);
  const imageShape: ImageShape = [Number(shape[1]), Number(shape[2]), Number(shape[3])];
  return { tf: tfjs(), model, backend, imageShape, layers: layerNames(model), notes: [] };
}

async function jobModelFiles(context: JobContext, jobId: string): Promise<ModelFiles> {
  const files: Partial<ModelFiles> = {};
  for (const name of MODEL_FILE_NAMES) {
    const bytes = await context.jobFiles.read(jobId, name);
    if (!bytes) throw new InvalidParameterError('model', `the model of job ${jobId} is no longer stored (${name} is missing)`);
    files[name] = bytes;
  }
  return files as ModelFiles;
}

async function artifactModelFiles(context: JobContext, artifactId: string): Promise<ModelFiles> {
  const bytes = await context.artifacts.read(artifactId);
  if (!bytes) throw new InvalidParameterError('model', `the uploaded model ${artifactId} is no longer stored`);
  const { modelJson, weights } = decodeModelBundle(bytes);
  return { 'model.json': modelJson, 'weights.bin': weights };
}

/** An input image [1, H, W, C] of the model's input shape, with its class when the data is labelled. */
export interface InputImage {
  image: Tf.Tensor4D;
  label?: number;
  labelName?: string;
}

/**
 * Row `index` of the job's input as one image of the model's input shape and value range. A row
 * of another shape that says its shape (an uploaded picture, an IDX or NPY of images) is fitted:
 * resized, turned gray or RGB, and with `invert` dark-on-light made light-on-dark;
 * `subject.notes` says what was done. An uploaded picture's values 0..1 are brought to the range
 * the model was trained on when its first layer rescales (a model trained on 0..255 data starts
 * with ×1/255); a data set's rows are in that range already.
 */
export function inputImage(subject: Subject, context: JobContext, index: number, invert = false): InputImage {
  const input = context.input;
  if (!input) throw new InvalidParameterError('input', 'this technique needs an input image: --dataset NAME --set index=N, or --input ARTIFACT_ID');
  if (index >= input.rows) throw new InvalidParameterError('index', `index ${index} is past the input's last row (${input.rows - 1})`);
  const tf = subject.tf;
  const row = Float32Array.from(input.data.subarray(index * input.cols, (index + 1) * input.cols));
  const code = context.labels?.codes[index];
  const labelled = { label: code, labelName: code === undefined ? undefined : context.labels?.names[code] };
  const [h, w, c] = subject.imageShape;
  const own = imageShapeOf(context.inputShape, input.cols) ?? (input.cols === h * w * c ? subject.imageShape : undefined);
  if (!own) {
    throw new InvalidParameterError(
      'input',
      `the input's rows have ${input.cols} values, but the model takes ${formatImageShape(subject.imageShape)} images (${h * w * c} values); upload pictures as PNG or JPEG, or images as IDX or NPY with their shape, and they are resized to fit`,
    );
  }
  const picture = context.inputPicture === true;
  const range = pictureRange(subject.model);
  const fits = own[0] === h && own[1] === w && own[2] === c && !invert && (!picture || range === 1);
  if (fits) return { image: tf.tensor4d(row, [1, h, w, c]), ...labelled };
  // Fitting works on values 0..1, a picture's; a data set's row is in the model's range.
  const unit = tf.tidy(() => (picture ? tf.tensor3d(row, [...own]) : tf.div(tf.tensor3d(row, [...own]), range)) as Tf.Tensor3D);
  try {
    return { image: inModelRange(subject, fitToModel(subject, unit, invert), range, picture), ...labelled };
  } finally {
    unit.dispose();
  }
}

/** An uploaded picture another parameter names (its artifact id), fitted as {@link inputImage} fits the input. */
export async function pictureParam(subject: Subject, context: JobContext, parameter: string, artifactId: string, invert = false): Promise<Tf.Tensor4D> {
  const bytes = await context.artifacts.read(artifactId);
  if (!bytes) throw new InvalidParameterError(parameter, `the picture ${artifactId} is no longer stored`);
  const decoded = decodeImage(bytes);
  try {
    subject.notes.push(...decoded.notes.map((note) => `${parameter}: ${note}`));
    return inModelRange(subject, fitToModel(subject, decoded.image, invert, `${parameter}: `), pictureRange(subject.model), true);
  } finally {
    decoded.image.dispose();
  }
}

/** An image of values 0..1 resized and converted to the model's input shape, as [1, H, W, C]; `label` prefixes its notes. */
function fitToModel(subject: Subject, image: Tf.Tensor3D, invert: boolean, label = ''): Tf.Tensor4D {
  const fit = fitImage(image, subject.imageShape, { invert });
  subject.notes.push(...fit.notes.map((note) => label + note));
  const batch = subject.tf.tidy(() => fit.image.expandDims(0) as Tf.Tensor4D);
  fit.image.dispose();
  return batch;
}

/** Values 0..1 in the model's range (`range` is what 1.0 becomes); takes over `image`. A picture's scaling is noted. */
function inModelRange(subject: Subject, image: Tf.Tensor4D, range: number, picture: boolean): Tf.Tensor4D {
  if (range === 1) return image;
  if (picture) subject.notes.push(`the picture's values 0..1 were multiplied by ${round(range)}: the model's first layer rescales its input by ${round(1 / range)}`);
  const scaled = subject.tf.tidy(() => subject.tf.mul(image, range) as Tf.Tensor4D);
  image.dispose();
  return scaled;
}

/** [height, width, channels] from a row's shape: [h, w] is one channel; only 1 or 3 channels fit. */
function imageShapeOf(itemShape: readonly number[] | undefined, cols: number): [number, number, number] | undefined {
  if (!itemShape || (itemShape.length !== 2 && itemShape.length !== 3)) return undefined;
  const shape: [number, number, number] = [itemShape[0], itemShape[1], itemShape[2] ?? 1];
  return (shape[2] === 1 || shape[2] === 3) && shape[0] * shape[1] * shape[2] === cols ? shape : undefined;
}

/** What 1.0 in a picture is in the model's input: 1 / the scale of a first Rescaling layer, else 1. */
function pictureRange(model: Tf.LayersModel): number {
  const first = model.layers.find((layer) => layer.getClassName() !== 'InputLayer');
  if (first?.getClassName() !== 'Rescaling') return 1;
  const { scale, offset } = first.getConfig() as { scale?: number; offset?: number };
  return typeof scale === 'number' && scale > 0 && !offset ? 1 / scale : 1;
}

function round(v: number): string {
  return Number(v.toPrecision(4)).toString();
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
    throw new InvalidParameterError('class', `class must be a whole number from 0 to ${classes - 1} (the model's classes), not ${quoteInput(value)}`);
  }
  return n;
}

/**
 * The layer a job names, or the model's first convolution: `conv1` in a model trained here,
 * `conv2d` or whatever a Keras model calls it in an uploaded one.
 */
export function chosenLayer(subject: Subject, layer: string | undefined): string {
  if (layer !== undefined) return layer;
  const first = subject.model.layers.find((l) => l.getClassName() === 'Conv2D');
  if (!first) throw new InvalidParameterError('layer', `the model has no convolution layer; name one of its layers with --set layer=NAME (${subject.layers.join(', ')})`);
  return first.name;
}
