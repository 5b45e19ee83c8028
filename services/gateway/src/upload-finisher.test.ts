import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { decodeModelBundle, type FinishProgressView, ObjectNames } from '@gpulab/contracts';
import { encodeNpy } from '@gpulab/compute';
import { buildCnn, initBackend, saveModelFiles, type Tf, tfjs } from '@gpulab/neural';
import { PNG } from 'pngjs';
import { type JetStreamResources, readObject, type StorageLedger } from '@gpulab/platform';
import { ArtifactLibrary } from './artifact-library';
import { type ArtifactStore } from './artifact-store';
import { GatewayError } from './errors';
import { FinishProgressBoard } from './finish-progress';
import { CHUNK, csv, HOUR, member, useArtifactFixture } from './testing/artifact-fixture';
import { parseUpload, type UploadParser } from './upload-parser';

describe('UploadFinisher on JetStream KV and the Object Store', () => {
  const kit = useArtifactFixture('upload-finisher-test');
  const { clock, library, newUpload, send, uploadFiles, storedChunks } = kit;
  let store: ArtifactStore;
  let ledger: StorageLedger;
  let resources: JetStreamResources;
  before(() => ({ store, ledger, resources } = kit));
  before(() => initBackend('cpu'));

  it('reports a finish as checking, then parsing with the bytes read so far, then done, and forgets it after its grace', async () => {
    const board = new FinishProgressBoard(clock, { graceMs: 5000 });
    const seen: FinishProgressView[] = [];
    let uploadId = '';
    const look = () => {
      const now = board.get(uploadId);
      if (now) seen.push(now);
    };
    // Looks at the board after each chunk the parser takes, as a polling client would.
    const observing: UploadParser = (source) =>
      parseUpload({
        ...source,
        scan: (file, each) => source.scan(file, (chunk) => (each(chunk), look())),
        chunks: (file) =>
          (async function* () {
            for await (const chunk of source.chunks(file)) {
              yield chunk;
              look();
            }
          })(),
      });
    const lib = new ArtifactLibrary(store, observing, async () => [], { teamStorageBytes: 1024 * 1024, ledger, chunkBytes: CHUNK, uploadExpiryMs: 24 * HOUR, progress: board }, clock, () => 'progressaaaaaaaa');
    const bytes = csv(20);
    const upload = await newUpload(lib, bytes);
    uploadId = upload.id;
    await send(lib, upload.id, bytes);
    assert.throws(() => lib.finisher.finishProgress(member('demo'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'NOT_FOUND');
    const artifact = await lib.finisher.finishUpload(member('demo'), upload.id);
    const phases = [...new Set(seen.map((p) => p.phase))];
    assert.deepEqual(phases, ['checking', 'parsing']);
    const parsing = seen.filter((p) => p.phase === 'parsing');
    assert.ok(parsing.every((p) => p.doneBytes > 0 && p.doneBytes <= bytes.byteLength && p.totalBytes === bytes.byteLength));
    assert.ok(parsing.some((p) => p.doneBytes < bytes.byteLength), 'a report in the middle of the file');
    assert.equal(parsing[0].rows, 20);
    const done = lib.finisher.finishProgress(member('demo'), upload.id);
    assert.equal(done.phase, 'done');
    assert.equal(done.artifactId, artifact.id);
    assert.throws(() => lib.finisher.finishProgress(member('other'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'PERMISSION_DENIED');
    assert.equal(lib.finisher.finishProgress({ role: 'tutor', name: 'tess' }, upload.id).phase, 'done');
    clock.ms += 5001;
    assert.throws(() => lib.finisher.finishProgress(member('demo'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'NOT_FOUND' && e.reason === 'UPLOAD_NOT_FOUND');
  });

  it('finishing an upload a second time (an answer lost on the way) returns the artifact made the first time', async () => {
    const lib = library();
    const bytes = csv(5);
    const upload = await newUpload(lib, bytes);
    await send(lib, upload.id, bytes);
    const first = await lib.finisher.finishUpload(member('demo'), upload.id);
    const again = await lib.finisher.finishUpload(member('demo'), upload.id);
    assert.deepEqual(again, first);
    await assert.rejects(lib.finisher.finishUpload(member('other'), upload.id), (e: unknown) => e instanceof GatewayError && e.code === 'NOT_FOUND');
  });

  it('keeps a picture as uploaded and records its size and channels', async () => {
    const png = new PNG({ width: 5, height: 3 });
    for (let i = 0; i < 15; i++) png.data.set([200, 10 * i, 0, 255], 4 * i);
    const bytes = PNG.sync.write(png);
    const { upload, finish } = await uploadFiles(library({ chunkBytes: 64 }), { data: { filename: 'photo.png', format: 'png', bytes } });
    const artifact = await finish();
    assert.equal(artifact.kind, 'image');
    assert.deepEqual([artifact.rows, artifact.cols, artifact.itemShape, artifact.storedBytes], [1, 45, [3, 5, 3], bytes.byteLength]);
    assert.ok(Buffer.from((await readObject(resources.artifacts, ObjectNames.artifact(artifact.id))) as Uint8Array).equals(bytes));
    assert.equal(await storedChunks(upload.id), 0);
  });

  it('refuses a picture that does not decode, and keeps nothing of it', async () => {
    const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(' not really a png')]);
    const { upload, finish } = await uploadFiles(library(), { data: { filename: 'broken.png', format: 'png', bytes } });
    await assert.rejects(finish(), (e: unknown) => e instanceof GatewayError && e.code === 'INVALID_ARGUMENT' && /broken\.png: the PNG image cannot be read/.test(e.message));
    assert.equal(await storedChunks(upload.id), 0);
    assert.equal(await store.hasArtifactObject(`art-${upload.id.slice(3)}`), false);
  });

  it('parses an NPY or a compressed IDX upload chunk by chunk, never reading the whole file at once', async () => {
    const seen: number[] = [];
    // The real parser, on a source that refuses to hand over the data file whole and notes every piece it gives.
    const chunked: UploadParser = (source) =>
      parseUpload({
        ...source,
        read: (file) => (file === 'data' ? Promise.reject(new Error('the data file was read whole')) : source.read(file)),
        chunks: async function* (file) {
          for await (const chunk of source.chunks(file)) {
            seen.push(chunk.byteLength);
            yield chunk;
          }
        },
      });
    const lib = new ArtifactLibrary(store, chunked, async () => [], { teamStorageBytes: 16 * 1024 * 1024, ledger, chunkBytes: 4096, uploadExpiryMs: 24 * HOUR }, clock);
    const rows = 2000;
    const values = Float32Array.from({ length: rows * 16 }, (_, i) => (i % 97) / 8);
    const npy = encodeNpy([rows, 16], values);
    const artifact = await (await uploadFiles(lib, { data: { filename: 'points.npy', format: 'npy', bytes: npy } })).finish();
    assert.deepEqual([artifact.rows, artifact.cols], [rows, 16]);
    assert.ok(seen.length >= npy.byteLength / 4096 && Math.max(...seen) <= 4096, `pieces: ${seen.length}, largest ${Math.max(...seen)}`);
    const stored = await readObject(resources.artifacts, ObjectNames.artifact(artifact.id));
    assert.ok(stored);

    seen.length = 0;
    const idx = Buffer.alloc(4 + 8 + 3000 * 10);
    idx.set([0, 0, 0x08, 2]);
    idx.writeUInt32BE(3000, 4);
    idx.writeUInt32BE(10, 8);
    // Random bytes, so that the compressed file still spans several chunks.
    randomFillSync(idx, 12);
    const images = await (await uploadFiles(lib, { data: { filename: 'train-images-idx2-ubyte.gz', format: 'idx', bytes: gzipSync(idx) } })).finish();
    assert.deepEqual([images.rows, images.cols], [3000, 10]);
    assert.ok(seen.length > 1, 'the compressed file came in pieces');
  });

  it('refuses an NPY upload whose header asks for more than the free space, before its matrix is made', async () => {
    const npy = encodeNpy([4000, 4], new Float32Array(16000));
    const u = ledger.usage('demo', 0);
    // Room for the file as declared (64 KB), not for its matrix (128 KB).
    const lib = library({ teamStorageBytes: u.artifactBytes + u.uploadBytes + u.jobInputBytes + u.jobOutputBytes + npy.byteLength + 1024, chunkBytes: 1024 });
    const { finish } = await uploadFiles(lib, { data: { filename: 'big.npy', format: 'npy', bytes: npy } });
    await assert.rejects(finish(), (e: unknown) => e instanceof GatewayError && e.code === 'RESOURCE_EXHAUSTED' && /big\.npy would take .* \(4000 × 4 numbers of 8 bytes\); it was refused before being read/.test(e.message));
  });

  it('records the shape of one image of an IDX file, for jobs that need images', async () => {
    const idx = Buffer.alloc(4 + 12 + 2 * 4 * 3);
    idx.set([0, 0, 0x08, 3]);
    idx.writeUInt32BE(2, 4);
    idx.writeUInt32BE(4, 8);
    idx.writeUInt32BE(3, 12);
    const artifact = await (await uploadFiles(library({ chunkBytes: 64 }), { data: { filename: 'images-idx3-ubyte', format: 'idx', bytes: idx } })).finish();
    assert.deepEqual([artifact.kind, artifact.rows, artifact.cols, artifact.itemShape], ['dataset', 2, 12, [4, 3]]);
  });

  it('stores an uploaded TensorFlow.js model whose weights came in shards, with one weights file, and says what it takes', async () => {
    const model = buildCnn({ imageShape: [8, 8, 1], classes: 3, blocks: [2], dense: 4 });
    const files = await saveModelFiles(model);
    model.dispose();
    const json = JSON.parse(Buffer.from(files['model.json']).toString()) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
    const [group] = json.weightsManifest;
    // As tfjs' converter writes larger models: two groups of shards.
    json.weightsManifest = [
      { paths: ['group1-shard1of1.bin'], weights: group.weights.slice(0, 2) },
      { paths: ['group2-shard1of2.bin', 'group2-shard2of2.bin'], weights: group.weights.slice(2) },
    ];
    const artifact = await (
      await uploadFiles(library({ chunkBytes: 256 }), {
        data: { filename: 'model.json', format: 'tfjs-model', bytes: Buffer.from(JSON.stringify(json)) },
        weights: { filename: 'weights.bin', format: 'tfjs-weights', bytes: files['weights.bin'] },
      })
    ).finish();
    assert.equal(artifact.kind, 'model');
    assert.deepEqual(artifact.model?.inputShape, [8, 8, 1]);
    assert.equal(artifact.model?.classes, 3);
    assert.deepEqual(artifact.model?.layers, ['conv1', 'pool1', 'flatten', 'dense1', 'logits', 'softmax']);
    assert.equal(artifact.weightsFilename, 'weights.bin');
    const bundle = decodeModelBundle((await readObject(resources.artifacts, ObjectNames.artifact(artifact.id))) as Uint8Array);
    assert.ok(Buffer.from(bundle.weights).equals(Buffer.from(files['weights.bin'])));
    const stored = JSON.parse(Buffer.from(bundle.modelJson).toString()) as { weightsManifest: { paths: string[]; weights: unknown[] }[] };
    assert.deepEqual(stored.weightsManifest.map((g) => g.paths), [['weights.bin']]);
    assert.equal(stored.weightsManifest[0].weights.length, group.weights.length);
  });

  it('refuses a model whose weights do not fit its manifest, a graph model and a branching one, and keeps nothing', async () => {
    const model = buildCnn({ imageShape: [8, 8, 1], classes: 3, blocks: [2], dense: 4 });
    const files = await saveModelFiles(model);
    model.dispose();
    const short = await uploadFiles(library({ chunkBytes: 256 }), {
      data: { filename: 'model.json', format: 'tfjs-model', bytes: files['model.json'] },
      weights: { filename: 'weights.bin', format: 'tfjs-weights', bytes: files['weights.bin'].subarray(8) },
    });
    await assert.rejects(short.finish(), (e: unknown) => e instanceof GatewayError && e.code === 'INVALID_ARGUMENT' && /model\.json: weights\.bin has \d+ bytes but model\.json describes/.test(e.message));
    assert.equal(await storedChunks(short.upload.id), 0);
    const graph = await uploadFiles(library({ chunkBytes: 256 }), {
      data: { filename: 'model.json', format: 'tfjs-model', bytes: Buffer.from(JSON.stringify({ format: 'graph-model', modelTopology: {}, weightsManifest: [] })) },
      weights: { filename: 'weights.bin', format: 'tfjs-weights', bytes: Buffer.alloc(4) },
    });
    await assert.rejects(graph.finish(), /graph model .*tfjs_layers_model/);
    const input = tfjs().input({ shape: [8, 8, 1] });
    const a = tfjs().layers.conv2d({ filters: 2, kernelSize: 3, name: 'left' }).apply(input) as Tf.SymbolicTensor;
    const b = tfjs().layers.conv2d({ filters: 2, kernelSize: 3, name: 'right' }).apply(input) as Tf.SymbolicTensor;
    const merged = tfjs().layers.add().apply([a, b]) as Tf.SymbolicTensor;
    const out = tfjs().layers.dense({ units: 3 }).apply(tfjs().layers.flatten().apply(merged)) as Tf.SymbolicTensor;
    const branching = await saveModelFiles(tfjs().model({ inputs: input, outputs: out }));
    const branched = await uploadFiles(library({ chunkBytes: 256 }), {
      data: { filename: 'model.json', format: 'tfjs-model', bytes: branching['model.json'] },
      weights: { filename: 'weights.bin', format: 'tfjs-weights', bytes: branching['weights.bin'] },
    });
    await assert.rejects(branched.finish(), /model\.json: layer "\w+" of model .* not a branching model/);
  });
});
