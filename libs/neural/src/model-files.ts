import type * as Tf from '@tensorflow/tfjs';
import { InvalidInputError } from '@gpulab/compute';
import { tfjs } from './tfjs';

/** A layers model as two files, as `tf.loadLayersModel('file://…/model.json')` reads them. */
export interface ModelFiles {
  'model.json': Uint8Array;
  'weights.bin': Uint8Array;
}

export const MODEL_FILE_NAMES = ['model.json', 'weights.bin'] as const;

const BYTES_PER_VALUE: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/**
 * The model in TensorFlow.js' layers format: `model.json` (topology and weights manifest) and
 * one `weights.bin`. Python reads it with the `tensorflowjs` package's converter; JavaScript
 * with `tf.loadLayersModel` or {@link loadModelFromFiles}.
 */
export async function saveModelFiles(model: Tf.LayersModel): Promise<ModelFiles> {
  const tf = tfjs();
  let saved: Tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved?.modelTopology || !saved.weightSpecs || saved.weightData === undefined) throw new Error('tfjs saved no topology or weights');
  const json = {
    format: saved.format ?? 'layers-model',
    generatedBy: saved.generatedBy,
    convertedBy: saved.convertedBy ?? null,
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved.weightSpecs }],
  };
  return {
    'model.json': Buffer.from(JSON.stringify(json)),
    'weights.bin': new Uint8Array(tf.io.CompositeArrayBuffer.join(saved.weightData)),
  };
}

/**
 * Reads a model that {@link saveModelFiles} (or tfjs' own file saver, with its weights in one
 * file) wrote. Files that are not such a model, or weights that do not fit the manifest, are
 * an {@link InvalidInputError} that says which.
 */
export async function loadModelFromFiles(files: ModelFiles): Promise<Tf.LayersModel> {
  const tf = tfjs();
  const fail = (message: string, cause?: unknown): never => {
    throw new InvalidInputError('MODEL_FORMAT', message, { cause });
  };
  let json: Partial<Tf.io.ModelJSON>;
  try {
    json = JSON.parse(Buffer.from(files['model.json']).toString('utf8')) as Partial<Tf.io.ModelJSON>;
  } catch (error) {
    return fail(`model.json is not JSON: ${(error as Error).message}`, error);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || !Array.isArray(json.weightsManifest)) {
    return fail('model.json is not a TensorFlow.js layers model: it needs "modelTopology" and "weightsManifest"');
  }
  const specs = json.weightsManifest.flatMap((group) => group.weights ?? []);
  let expected = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const per = BYTES_PER_VALUE[dtype];
    if (per === undefined || !Array.isArray(spec.shape)) return fail(`model.json describes weight ${spec.name} with dtype ${dtype} and shape ${JSON.stringify(spec.shape)}, which tfjs cannot read`);
    expected += per * spec.shape.reduce((a, b) => a * b, 1);
  }
  const weights = files['weights.bin'];
  if (weights.byteLength !== expected) {
    fail(`weights.bin has ${weights.byteLength} bytes but model.json describes ${specs.length} weights of ${expected} bytes: the files are not from the same model`);
  }
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer;
  const handler: Tf.io.IOHandler = {
    load: async () => ({ modelTopology: json.modelTopology, format: json.format, generatedBy: json.generatedBy, convertedBy: json.convertedBy, weightSpecs: specs, weightData }),
  };
  try {
    return await tf.loadLayersModel(handler);
  } catch (error) {
    return fail(`the model in model.json and weights.bin does not load: ${(error as Error).message}`, error);
  }
}

/** The names of the model's layers, input first, as the visualization techniques address them. */
export function layerNames(model: Tf.LayersModel): string[] {
  return model.layers.map((layer) => layer.name);
}
