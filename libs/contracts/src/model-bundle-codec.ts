/**
 * An uploaded model in the Object Store, as one object: a 12-byte header (magic "GLB1", uint32
 * length of model.json, uint32 length of the weights), model.json's UTF-8 bytes, then the
 * weights. One object per artifact keeps storing, deleting and sweeping artifacts alike for
 * every kind; model.json's manifest names one file, `weights.bin`, which is the weights part.
 */
const MAGIC = 0x31424c47; // "GLB1" little-endian
const HEADER_BYTES = 12;

export interface ModelBundle {
  modelJson: Uint8Array;
  weights: Uint8Array;
}

export function encodeModelBundle(bundle: ModelBundle): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + bundle.modelJson.byteLength + bundle.weights.byteLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint32(4, bundle.modelJson.byteLength, true);
  view.setUint32(8, bundle.weights.byteLength, true);
  out.set(bundle.modelJson, HEADER_BYTES);
  out.set(bundle.weights, HEADER_BYTES + bundle.modelJson.byteLength);
  return out;
}

/** The two parts, as views into `bytes`. */
export function decodeModelBundle(bytes: Uint8Array): ModelBundle {
  if (bytes.byteLength < HEADER_BYTES) throw new Error(`a model bundle has at least ${HEADER_BYTES} bytes, this one ${bytes.byteLength}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC) throw new Error('not a model bundle (bad magic)');
  const jsonBytes = view.getUint32(4, true);
  const weightBytes = view.getUint32(8, true);
  if (HEADER_BYTES + jsonBytes + weightBytes !== bytes.byteLength) {
    throw new Error(`a model bundle of ${bytes.byteLength} bytes declares ${jsonBytes} + ${weightBytes} bytes of content`);
  }
  return {
    modelJson: bytes.subarray(HEADER_BYTES, HEADER_BYTES + jsonBytes),
    weights: bytes.subarray(HEADER_BYTES + jsonBytes),
  };
}
