import type * as Tf from '@tensorflow/tfjs';
import { InvalidInputError } from '@gpulab/compute';
import { type EpochStats } from './epoch-stats';
import { tfjs } from './tfjs';

/** A tensor with the name it is saved under. */
export interface NamedTensor {
  name: string;
  tensor: Tf.Tensor;
}

/** Where a training run stood after a completed epoch. */
export interface TrainingState {
  /** What the run was configured with; a checkpoint of another configuration is not resumed. */
  fingerprint: string;
  /** Epochs completed: training resumes with epoch `epoch + 1` (1-based). */
  epoch: number;
  history: EpochStats[];
  /** The model's weights in `model.weights` order. */
  weights: NamedTensor[];
  /** The optimizer's state (Adam: step count, first and second moments). */
  optimizer: NamedTensor[];
}

const MAGIC = 'gpulab-training-checkpoint';
const VERSION = 1;

interface Header {
  magic: string;
  version: number;
  fingerprint: string;
  epoch: number;
  history: EpochStats[];
  weights: { specs: Tf.io.WeightsManifestEntry[]; bytes: number };
  optimizer: { specs: Tf.io.WeightsManifestEntry[]; bytes: number };
}

/**
 * A checkpoint as bytes: a 4-byte little-endian header length, the header as JSON (epoch,
 * history, tensor specs), then the model's and the optimizer's tensors in tfjs' weight format.
 * The epoch's shuffling and dropout need no state of their own: both are drawn from the seed
 * and the epoch number, so a resumed run takes the same batches as one never interrupted.
 */
export async function encodeCheckpoint(state: TrainingState): Promise<Uint8Array> {
  const tf = tfjs();
  const weights = await tf.io.encodeWeights(state.weights);
  const optimizer = await tf.io.encodeWeights(state.optimizer);
  const weightBytes = new Uint8Array(weights.data);
  const optimizerBytes = new Uint8Array(optimizer.data);
  const header: Header = {
    magic: MAGIC,
    version: VERSION,
    fingerprint: state.fingerprint,
    epoch: state.epoch,
    history: state.history,
    weights: { specs: weights.specs, bytes: weightBytes.byteLength },
    optimizer: { specs: optimizer.specs, bytes: optimizerBytes.byteLength },
  };
  const json = Buffer.from(JSON.stringify(header));
  const out = new Uint8Array(4 + json.byteLength + weightBytes.byteLength + optimizerBytes.byteLength);
  new DataView(out.buffer).setUint32(0, json.byteLength, true);
  out.set(json, 4);
  out.set(weightBytes, 4 + json.byteLength);
  out.set(optimizerBytes, 4 + json.byteLength + weightBytes.byteLength);
  return out;
}

/** Reads what {@link encodeCheckpoint} wrote; the tensors are new and the caller's to dispose. */
export function decodeCheckpoint(bytes: Uint8Array): TrainingState {
  const tf = tfjs();
  const fail = (why: string): never => {
    throw new InvalidInputError('MODEL_FORMAT', `the training checkpoint cannot be read: ${why}`);
  };
  if (bytes.byteLength < 4) fail(`it has only ${bytes.byteLength} bytes`);
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  if (4 + headerLength > bytes.byteLength) fail('its header is cut off');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(4, 4 + headerLength)).toString('utf8')) as Header;
  } catch (error) {
    return fail(`its header is not JSON (${(error as Error).message})`);
  }
  if (header.magic !== MAGIC || header.version !== VERSION) fail(`it is not a version ${VERSION} gpulab training checkpoint`);
  const weightsAt = 4 + headerLength;
  const optimizerAt = weightsAt + header.weights.bytes;
  if (optimizerAt + header.optimizer.bytes !== bytes.byteLength) fail(`it has ${bytes.byteLength} bytes, its header describes ${optimizerAt + header.optimizer.bytes}`);
  // decodeWeights wants ArrayBuffers of exactly the tensors' bytes: a copy of their own (a
  // Buffer's `slice` shares memory, and its `.buffer` would be the whole of it).
  const slice = (from: number, length: number) => new Uint8Array(bytes.subarray(from, from + length)).buffer as ArrayBuffer;
  const named = (map: Tf.NamedTensorMap, specs: Tf.io.WeightsManifestEntry[]) => specs.map((s) => ({ name: s.name, tensor: map[s.name] }));
  return {
    fingerprint: header.fingerprint,
    epoch: header.epoch,
    history: header.history,
    weights: named(tf.io.decodeWeights(slice(weightsAt, header.weights.bytes), header.weights.specs), header.weights.specs),
    optimizer: named(tf.io.decodeWeights(slice(optimizerAt, header.optimizer.bytes), header.optimizer.specs), header.optimizer.specs),
  };
}
