import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { ObjectNames } from '@gpulab/contracts';
import { LocalStack } from '@gpulab/local-stack';
import { type ArtifactView, GpulabError, type UploadProgress } from '@gpulab/sdk';
import { runCli } from './cli-runner';
import { startCourseStack } from './course-stack';
import { idxBytes, labelledCsv, numericCsv, sha256 } from './data-files';
import { RawArtifactClient } from './raw-artifact-client';
import { StoreInspector } from './store-inspector';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token', other: 'other-token', idle: 'idle-token' } };
type Team = keyof typeof TOKENS.teams;
/** Small chunks, so that files of a few MB have many and a stream can break in the middle. */
const CHUNK_KIB = 64;

const isCode = (code: string) => (e: unknown) => e instanceof GpulabError && e.code === code;

describe('artifacts: uploads of data sets, jobs that read them, and downloads of results', () => {
  const dir = tempDir('artifacts');
  let stack: LocalStack;
  let store: StoreInspector;
  const env = (team: Team | 'tutor' = 'demo') => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: team === 'tutor' ? TOKENS.tutor : TOKENS.teams[team] });
  const file = (name: string, content: string | Uint8Array) => {
    const path = join(dir.path, 'files', name);
    writeFileSync(path, content);
    return path;
  };
  const ok = async (args: string[], team: Team | 'tutor' = 'demo') => {
    const run = await runCli(args, env(team));
    assert.equal(run.code, 0, `gpulab ${args.join(' ')}: ${run.stderr}`);
    return run;
  };
  const json = async (args: string[], team: Team | 'tutor' = 'demo') => JSON.parse((await ok([...args, '--json'], team)).stdout);
  const refused = async (args: string[], code: string, message: RegExp, team: Team | 'tutor' = 'demo') => {
    const run = await runCli(args, env(team));
    assert.equal(run.code, 2, `gpulab ${args.join(' ')} should be refused: ${run.stdout}${run.stderr}`);
    assert.match(run.stderr, new RegExp(`\\(${code}\\)`));
    assert.match(run.stderr, message);
  };

  before(async () => {
    mkdirSync(join(dir.path, 'files'), { recursive: true });
    // Jobs of demo and other run at once; idle has no slot, so its jobs wait.
    stack = await startCourseStack(dir.path, TOKENS, { env: { GPULAB_UPLOAD_CHUNK_KIB: String(CHUNK_KIB) }, booked: ['demo', 'other'] });
    store = await StoreInspector.open(stack.nats.url, stack.natsCreds('scheduler'));
  });

  after(async () => {
    await store?.close();
    await stack?.close();
    dir.remove();
  });

  let csvArtifact: ArtifactView;
  let pcaJobId = '';

  it('the CLI uploads a labelled CSV, and a pca job reads it as --input ART_ID', async () => {
    const csv = file('iris.csv', labelledCsv(150, 4, ['setosa', 'versicolor', 'virginica']));
    csvArtifact = await json(['upload', csv, '--label-column', 'species']);
    assert.match(csvArtifact.id, /^art-[a-z2-7]{16}$/);
    assert.equal(csvArtifact.filename, 'iris.csv');
    assert.equal(csvArtifact.format, 'csv');
    assert.deepEqual([csvArtifact.rows, csvArtifact.cols, csvArtifact.labeled], [150, 4, true]);
    assert.deepEqual(csvArtifact.classNames, ['setosa', 'versicolor', 'virginica']);
    assert.equal(csvArtifact.sha256, sha256(readFileSync(csv)));
    assert.equal(csvArtifact.storedBytes, 16 + 150 * 4 * 8 + 4 + JSON.stringify(csvArtifact.classNames).length + 150 * 4);

    const job = await json(['submit', 'pca', '--input', csvArtifact.id, '--components', '2', '--wait']);
    assert.equal(job.state, 'SUCCEEDED', job.reason);
    assert.equal(job.result.embedding.length, 150);
    assert.equal(job.result.embedding[0].length, 2);
    pcaJobId = job.id;
  });

  it("while the gateway finishes an upload, its phase and bytes read can be asked, and after it the artifact it made", async () => {
    const csv = file('progress.csv', numericCsv(16 * 1024 * 1024));
    const size = statSync(csv).size;
    const client = stack.client(TOKENS.teams.demo);
    const other = stack.client(TOKENS.teams.other);
    const seen: string[] = [];
    const reported: string[] = [];
    let polling: Promise<void> | undefined;
    let finished = false;
    let uploadId = '';
    try {
      const artifact = await client.upload(csv, {}, (p) => {
        if (p.finish) reported.push(p.finish.phase);
        uploadId = p.uploadId || uploadId;
        if (p.phase !== 'finishing' || polling) return;
        // Asked as fast as the answers come while FinishUpload runs, to see the phases it goes through.
        polling = (async () => {
          while (!finished) {
            const progress = await client.getUploadProgress(p.uploadId).catch((e: unknown) => (isCode('NOT_FOUND')(e) ? undefined : Promise.reject(e)));
            if (progress) {
              assert.ok(progress.doneBytes <= progress.totalBytes, `${progress.doneBytes} of ${progress.totalBytes}`);
              if (seen.at(-1) !== progress.phase) seen.push(progress.phase);
            }
            await new Promise((r) => setTimeout(r, 20));
          }
        })();
      });
      finished = true;
      await polling;
      assert.ok(seen.some((phase) => phase === 'checking' || phase === 'parsing'), `phases seen: ${seen.join(', ')}`);
      assert.deepEqual(seen.filter((phase) => phase !== 'done'), ['waiting', 'checking', 'parsing', 'storing'].filter((phase) => seen.includes(phase)), 'in order');
      const last = await client.getUploadProgress(uploadId);
      assert.equal(last.phase, 'done');
      assert.equal(last.artifactId, artifact.id);
      assert.equal(last.totalBytes, size);
      await assert.rejects(other.getUploadProgress(uploadId), isCode('PERMISSION_DENIED'));
      await client.deleteArtifact(artifact.id);
    } finally {
      finished = true;
      client.close();
      other.close();
    }
  });

  it('the CLI uploads an IDX image file with its IDX labels and prints the id, shape and classes; --artifact runs pca on it', async () => {
    const images = file('images-idx3-ubyte', idxBytes([60, 4, 4], Array.from({ length: 60 * 16 }, (_, i) => (i * 37 + Math.floor(i / 16) * 11) % 256)));
    const labels = file('labels-idx1-ubyte', idxBytes([60], Array.from({ length: 60 }, (_, i) => i % 10)));
    const run = await ok(['upload', images, '--labels', labels]);
    const match = /^(art-[a-z2-7]{16}) {2}images-idx3-ubyte {2}60 × 16 \(4x4 each\), 10 classes \(0, 1, 2, 3, 4, 5, 6, 7, …\)\n$/.exec(run.stdout);
    assert.ok(match, run.stdout);
    const shown = await json(['artifacts', 'show', match[1]]);
    assert.deepEqual([shown.format, shown.labelsFilename, shown.classNames.length], ['idx', 'labels-idx1-ubyte', 10]);

    const job = await json(['submit', 'pca', '--artifact', match[1], '--components', '3', '--wait']);
    assert.equal(job.state, 'SUCCEEDED', job.reason);
    assert.equal(job.result.eigenvalues.length, 3);
    assert.equal(job.result.embedding.length, 60);
  });

  it('an upload whose stream was cut goes on from the chunks that arrived', async () => {
    const path = file('cut.csv', numericCsv(3 * 1024 * 1024));
    const size = statSync(path).size;
    const client = stack.client();
    try {
      const stop = new AbortController();
      let uploadId = '';
      await assert.rejects(
        client.upload(path, { signal: stop.signal }, (p) => {
          uploadId = p.uploadId || uploadId;
          if (p.sentBytes > size * 0.4) stop.abort();
        }),
        isCode('CANCELLED'),
      );
      // The chunk the gateway was storing when the stream broke still lands: wait until it has.
      let received = -1;
      for (let seen = -2; received !== seen; await new Promise((r) => setTimeout(r, 300))) {
        seen = received;
        received = (await client.getUpload(uploadId)).files[0].receivedBytes;
      }
      assert.ok(received > 0 && received < size, `received ${received} of ${size}`);
      assert.equal(received % (CHUNK_KIB * 1024), 0);
      assert.equal((await store.chunks(uploadId)).length >= received / (CHUNK_KIB * 1024), true);

      const progress: UploadProgress[] = [];
      const artifact = await client.upload(path, { resumeUploadId: uploadId }, (p) => progress.push(p));
      const firstSend = progress.find((p) => p.phase === 'sending');
      assert.equal(firstSend?.sentBytes, received, 'the second run starts where the first one stopped');
      assert.equal(artifact.sha256, sha256(readFileSync(path)));
      assert.equal(artifact.id, `art-${uploadId.slice(3)}`);
      assert.deepEqual(await store.chunks(uploadId), [], 'the chunks are gone once the artifact is stored');
    } finally {
      client.close();
    }
  });

  it('an upload rides out the gateway being killed in the middle of it', async () => {
    const path = file('restart.csv', numericCsv(4 * 1024 * 1024));
    const size = statSync(path).size;
    const client = stack.client();
    let restart: Promise<void> | undefined;
    try {
      const progress: UploadProgress[] = [];
      const artifact = await client.upload(path, { maxRetries: 20 }, (p) => {
        progress.push(p);
        if (!restart && p.sentBytes > size * 0.3) {
          restart = (async () => {
            await stack.killService('gateway');
            stack.startService('gateway');
          })();
        }
      });
      await restart;
      assert.ok((progress.at(-1)?.resumes ?? 0) >= 1, 'the stream broke at least once');
      assert.equal(artifact.sha256, sha256(readFileSync(path)));
      assert.equal(artifact.cols, 8);
      assert.deepEqual(await store.chunks(progress.find((p) => p.uploadId)?.uploadId ?? ''), []);
    } finally {
      await restart;
      client.close();
    }
  });

  it('a download rides out the gateway being killed in the middle of it, and goes on where it broke', async () => {
    const client = stack.client();
    let restart: Promise<void> | undefined;
    try {
      // About 100,000 rows, 8 components: several MB of embedding to download.
      const artifact = await client.upload(file('download.csv', numericCsv(4 * 1024 * 1024)));
      const { job } = await client.submitJob({ kind: 'pca', input: { artifactId: artifact.id }, params: { components: 8 } });
      assert.equal((await client.waitForJob(job.id)).state, 'SUCCEEDED');
      const whole = await client.downloadResult(job.id, join(dir.path, 'download-whole'));
      const total = whole.reduce((sum, f) => sum + f.bytes, 0);
      assert.ok(total > 4_000_000, `only ${total} bytes to download`);
      let received = 0;
      let resumes = 0;
      const files = await client.downloadResult(job.id, join(dir.path, 'download-broken'), (p) => {
        received = p.receivedBytes;
        resumes = p.resumes;
        if (!restart && p.receivedBytes > 1_000_000) {
          restart = (async () => {
            await stack.killService('gateway');
            stack.startService('gateway');
          })();
        }
      });
      await restart;
      assert.ok(resumes >= 1, 'the stream broke at least once');
      assert.equal(received, total, 'no byte was fetched twice');
      assert.deepEqual(
        files.map((f) => [f.name, f.bytes, sha256(readFileSync(f.path))]),
        whole.map((f) => [f.name, f.bytes, sha256(readFileSync(f.path))]),
      );
      assert.deepEqual(readdirSync(join(dir.path, 'download-broken')).filter((n) => n.endsWith('.part')), []);
    } finally {
      await restart;
      client.close();
    }
  });

  it('a wrong checksum is refused at finish, and nothing of the upload is left', async () => {
    const bytes = Buffer.from(numericCsv(200 * 1024));
    const raw = new RawArtifactClient(stack.address, TOKENS.teams.demo);
    try {
      const upload = await raw.createUpload('damaged.csv', bytes.byteLength, sha256('something else'));
      await raw.writeData(upload, bytes);
      assert.ok((await store.chunks(upload.id)).length > 1);
      await assert.rejects(raw.finishUpload(upload.id), (e: { code?: number; details?: string }) => {
        assert.equal(e.code, status.INVALID_ARGUMENT);
        assert.match(e.details ?? '', /damaged\.csv: the bytes received have SHA-256 [0-9a-f]{64}, not the [0-9a-f]{64} declared.*upload the file again/);
        return true;
      });
      assert.deepEqual(await store.leftovers(upload.id), []);
    } finally {
      raw.close();
    }
  });

  it('a CSV that does not parse is refused with its row and column, and nothing of the upload is left', async () => {
    const client = stack.client();
    try {
      let uploadId = '';
      await assert.rejects(
        client.upload(Buffer.from('x,y\n1,2\n3,abc\n5,6\n'), { filename: 'words.csv' }, (p) => (uploadId = p.uploadId || uploadId)),
        (e: unknown) => isCode('INVALID_ARGUMENT')(e) && /words\.csv: row 3, column 2 \("abc"\) is not a number/.test((e as Error).message),
      );
      assert.deepEqual(await store.leftovers(uploadId), []);
      await refused(['upload', file('ragged.csv', 'a,b\n1,2\n3\n')], 'INVALID_ARGUMENT', /ragged\.csv: row 3 has 1 column, expected 2/);
      await refused(['upload', file('labels.csv', 'a,b\n1,2\n'), '--label-column', 'kind'], 'INVALID_ARGUMENT', /labels\.csv: there is no column "kind"/);
      const idx = file('short-idx3-ubyte', idxBytes([5, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]));
      await refused(['upload', idx, '--labels', file('short-labels-idx1-ubyte', idxBytes([4], [0, 1, 0, 1]))], 'INVALID_ARGUMENT', /short-labels-idx1-ubyte has 4 labels, but short-idx3-ubyte has 5 rows/);
      const { uploads } = await client.listArtifacts();
      assert.deepEqual(uploads, [], 'no refused upload stays behind');
    } finally {
      client.close();
    }
  });

  it("another team's artifact is PERMISSION_DENIED to show, delete or use as input; a tutor may read it", async () => {
    const client = stack.client(TOKENS.teams.other);
    try {
      const theirs = await client.upload(Buffer.from('1,2\n3,4\n5,7\n'), { filename: 'theirs.csv' });
      await refused(['artifacts', 'show', theirs.id], 'PERMISSION_DENIED', /belongs to another team/);
      await refused(['artifacts', 'rm', theirs.id], 'PERMISSION_DENIED', /belongs to another team/);
      await refused(['submit', 'pca', '--input', theirs.id], 'PERMISSION_DENIED', /belongs to another team/);
      const mine = await json(['artifacts']);
      assert.ok(!mine.artifacts.some((a: ArtifactView) => a.id === theirs.id));
      assert.equal((await json(['artifacts', 'show', theirs.id], 'tutor')).team, 'other');
      await refused(['artifacts', 'show', 'art-aaaaaaaaaaaaaaaa'], 'NOT_FOUND', /there is no artifact art-aaaaaaaaaaaaaaaa/);
      await refused(['submit', 'pca', '--input', 'art-nope'], 'INVALID_ARGUMENT', /not an artifact id/);
      await refused(['artifacts', '--team', 'other'], 'PERMISSION_DENIED', /only your own team's artifacts/);
    } finally {
      client.close();
    }
  });

  it("gpulab artifacts lists the team's artifacts with its storage and limit; rm frees the space", async () => {
    const before = await json(['artifacts']);
    assert.ok(before.artifacts.some((a: ArtifactView) => a.id === csvArtifact.id));
    assert.equal(before.usage.length, 1);
    assert.equal(before.usage[0].limitBytes, 1024 * 1024 * 1024);
    assert.equal(before.usage[0].artifactBytes, before.artifacts.reduce((s: number, a: ArtifactView) => s + a.storedBytes, 0));
    // The pca jobs' results, written by their workers through the scheduler, count against the team.
    const result = await store.resources.artifacts.info(ObjectNames.result(pcaJobId));
    assert.ok(result && before.usage[0].jobOutputBytes >= result.size, `job outputs ${before.usage[0].jobOutputBytes} B, the result alone ${result?.size} B`);
    const text = (await ok(['artifacts'])).stdout;
    assert.match(text, new RegExp(`${csvArtifact.id}\\s+iris\\.csv\\s+dataset\\s+150 × 4\\s+3 classes`));
    assert.match(text, /team demo: .* of 1.00 GB used \(.* artifacts, .* job inputs, .* job outputs\), .* free/);

    const extra = await json(['upload', file('spare.csv', '1,2\n3,4\n')]);
    const removed = await json(['artifacts', 'rm', extra.id]);
    assert.equal(removed.artifact.id, extra.id);
    assert.equal(removed.usage.artifactBytes, before.usage[0].artifactBytes);
    await refused(['artifacts', 'show', extra.id], 'NOT_FOUND', /there is no artifact/);
  });

  it('an artifact that an unfinished job reads cannot be deleted until the job ends', async () => {
    const idle = stack.client(TOKENS.teams.idle);
    try {
      const artifact = await idle.upload(Buffer.from('1,2\n3,4\n5,7\n'), { filename: 'waiting.csv' });
      const { job } = await idle.submitJob({ kind: 'pca', input: { artifactId: artifact.id }, params: { components: 1 } });
      assert.equal(job.state, 'QUEUED');
      await refused(['artifacts', 'rm', artifact.id], 'FAILED_PRECONDITION', new RegExp(`used by job ${job.id} \\(QUEUED\\)`), 'idle');
      await refused(['result', job.id, '--out', join(dir.path, 'never')], 'FAILED_PRECONDITION', /is QUEUED: its result can be downloaded once it has SUCCEEDED/, 'idle');
      assert.equal(existsSync(join(dir.path, 'never', 'result.json')), false);
      await idle.cancelJob(job.id);
      const cancelled = await runCli(['result', job.id], env('idle'));
      assert.equal(cancelled.code, 1, 'a cancelled job that kept no files: exit 1 as for a failed job');
      assert.match(cancelled.stderr, /is CANCELLED.*: it kept no files to download/);
      await idle.deleteArtifact(artifact.id);
    } finally {
      idle.close();
    }
  });

  it('gpulab result ID --out DIR writes result.json and every file the result lists, with their sizes', async () => {
    // One more file beside the job's own, larger than a download chunk, listed in its result.
    const extra = Buffer.alloc(1300 * 1024 + 7);
    for (let i = 0; i < extra.length; i++) extra[i] = (i * 7919) % 251;
    const resultName = ObjectNames.result(pcaJobId);
    const stored = JSON.parse(Buffer.from((await store.resources.artifacts.getBlob(resultName)) as Uint8Array).toString('utf8'));
    const files = [...(stored.files ?? []), { name: 'extra.bin', contentType: 'application/octet-stream', bytes: extra.length }];
    await store.resources.artifacts.putBlob({ name: ObjectNames.output(pcaJobId, 'extra.bin') }, extra);
    await store.resources.artifacts.putBlob({ name: resultName }, Buffer.from(JSON.stringify({ ...stored, files })));

    const out = join(dir.path, 'download');
    const listing = await json(['result', pcaJobId, '--out', out]);
    const expected = ['result.json', ...files.map((f: { name: string }) => f.name)];
    assert.deepEqual(listing.files.map((f: { name: string }) => f.name), expected);
    assert.deepEqual(readdirSync(out).sort(), [...expected].sort(), 'no .part files are left');
    const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8'));
    assert.equal(result.embedding.length, 150);
    for (const f of files) assert.equal(statSync(join(out, f.name)).size, f.bytes, `${f.name} has the size the result lists`);
    assert.deepEqual(readFileSync(join(out, 'extra.bin')), extra);

    const text = (await ok(['result', pcaJobId, '--out', join(dir.path, 'again')])).stdout;
    assert.match(text, /result\.json\s+[\d.]+ KB\s+application\/json/);
    const printed = await ok(['result', pcaJobId]);
    assert.deepEqual(JSON.parse(printed.stdout), result);
    await refused(['result', pcaJobId], 'PERMISSION_DENIED', /belongs to another team/, 'other');
  });
});

describe('artifacts: the team storage limit and abandoned uploads', () => {
  const dir = tempDir('artifact-limit');
  let stack: LocalStack;
  let store: StoreInspector;

  before(async () => {
    mkdirSync(join(dir.path, 'data'), { recursive: true });
    writeFileSync(join(dir.path, 'data', 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({
      dataDir: join(dir.path, 'data'),
      port: 0,
      env: { GPULAB_UPLOAD_CHUNK_KIB: String(CHUNK_KIB), GPULAB_TEAM_STORAGE_MB: '1', GPULAB_UPLOAD_EXPIRY: '3s' },
    });
    store = await StoreInspector.open(stack.nats.url, stack.natsCreds('scheduler'));
  });

  after(async () => {
    await store?.close();
    await stack?.close();
    dir.remove();
  });

  it('an upload larger than the free space is RESOURCE_EXHAUSTED, naming used, limit and how to free space', async () => {
    const client = stack.client();
    try {
      const big = Buffer.from(numericCsv(1200 * 1024));
      await assert.rejects(client.upload(big, { filename: 'big.csv' }), (e: unknown) => {
        assert.ok(isCode('RESOURCE_EXHAUSTED')(e), String(e));
        assert.match((e as Error).message, /team demo has used 0\.00 MB of its 1\.00 MB storage, and big\.csv needs 1\.1\d MB/);
        assert.match((e as Error).message, /gpulab artifacts rm ID/);
        return true;
      });
    } finally {
      client.close();
    }
  });

  it('a file whose stored matrix would pass the limit is refused at finish, and nothing stays', async () => {
    const client = stack.client();
    try {
      // One-digit numbers take 2 bytes as text and 8 stored: 400 KB of text become 1.6 MB.
      const digits = Buffer.from(Array.from({ length: 20_000 }, (_, i) => Array.from({ length: 10 }, (_, j) => (i + j) % 10).join(',')).join('\n'));
      let uploadId = '';
      await assert.rejects(client.upload(digits, { filename: 'digits.csv' }, (p) => (uploadId = p.uploadId || uploadId)), (e: unknown) => {
        assert.ok(isCode('RESOURCE_EXHAUSTED')(e), String(e));
        assert.match((e as Error).message, /digits\.csv would take 1\.5\d MB stored \(up to 20000 × 10 numbers of 8 bytes\); it was refused before being read, and the upload was deleted/);
        return true;
      });
      assert.deepEqual(await store.leftovers(uploadId), []);
    } finally {
      client.close();
    }
  });

  it('an abandoned upload counts against the limit until it expires; then it and its chunks are deleted', async () => {
    const client = stack.client();
    const raw = new RawArtifactClient(stack.address, TOKENS.teams.demo);
    try {
      const half = Buffer.from(numericCsv(600 * 1024));
      const abandoned = await raw.createUpload('abandoned.csv', half.byteLength, sha256(half));
      await raw.writeData(abandoned, half, 0, 4 * abandoned.chunkSize);
      assert.equal((await store.chunks(abandoned.id)).length, 4);
      await assert.rejects(client.upload(half, { filename: 'second.csv' }), (e: unknown) => isCode('RESOURCE_EXHAUSTED')(e) && /\(0\.\d+ MB uploads in progress\)/.test((e as Error).message));
      const listed = await client.listArtifacts();
      assert.deepEqual(listed.uploads.map((u) => [u.id, u.files[0].receivedBytes]), [[abandoned.id, 4 * abandoned.chunkSize]]);
      assert.equal(listed.usage[0].uploadBytes, half.byteLength);

      await new Promise((r) => setTimeout(r, 3500));
      assert.deepEqual((await client.listArtifacts()).uploads, [], 'the expired upload is gone');
      assert.deepEqual(await store.leftovers(abandoned.id), [], 'with its chunks');
      await assert.rejects(client.getUpload(abandoned.id), (e: unknown) => isCode('NOT_FOUND')(e) && /start the upload again/.test((e as Error).message));
      const artifact = await client.upload(half, { filename: 'second.csv' });
      assert.equal(artifact.cols, 8);
    } finally {
      raw.close();
      client.close();
    }
  });
});
