import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { craftedArchive } from '@gpulab/code-archive/testing';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient, GpulabError } from '@gpulab/sdk';
import { runCliInProcess } from './cli-runner';
import { tempDir } from './temp-dir';

const TOKENS = { tutor: 'tutor-token', teams: { demo: 'demo-token' } };
const LIMIT_MB = 1;

/**
 * `--code DIR` through the real gateway: packed, uploaded as a `code` artifact, re-used by its
 * SHA-256, refused before any byte is sent when it does not fit, and an archive that would
 * write outside its directory refused at upload. The jobs are submitted detached and stay
 * queued (the team holds no slot); what these tests pin is the upload.
 */
describe('code archives: uploaded once per content, checked at upload', () => {
  const dir = tempDir('code-archive');
  let stack: LocalStack;
  let demo: GpulabClient;
  const as = () => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.teams.demo });

  function codeDir(name: string, files: Record<string, string | Buffer>): string {
    const root = join(dir.path, name);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }

  const codeArtifacts = async () => (await demo.listArtifacts()).artifacts.filter((a) => a.kind === 'code');

  before(async () => {
    const data = join(dir.path, 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(data, 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({ dataDir: data, port: 0, env: { GPULAB_TEAM_STORAGE_MB: String(LIMIT_MB) } });
    demo = stack.client(TOKENS.teams.demo);
  });

  after(async () => {
    demo?.close();
    await stack?.close();
    dir.remove();
  });

  it('uploads a directory once, prints its summary, and re-uses the upload while its content is unchanged', async () => {
    const code = codeDir('project', { 'train.py': 'print("training")\n', 'lib/model.py': 'LAYERS = 3\n', '.git/HEAD': 'ref: main\n', '__pycache__/x.pyc': 'bytes' });
    const first = await runCliInProcess(['run', '--detach', '--code', code, '--', 'python', 'train.py'], as());
    assert.match(first.stderr, /code: .*project: 2 files, 29 B, packed \d+ B/);
    const id = /uploaded as (art-[a-z2-7]{16})/.exec(first.stderr)?.[1];
    assert.ok(id, first.stderr);
    const [artifact] = await codeArtifacts();
    assert.deepEqual([artifact.id, artifact.kind, artifact.format, artifact.code], [id, 'code', 'tar-gz', { files: 2, unpackedBytes: 29 }]);

    const again = await runCliInProcess(['run', '--detach', '--code', code, '--', 'python', 'train.py'], as());
    assert.match(again.stderr, new RegExp(`unchanged since ${id} was uploaded`));
    assert.doesNotMatch(again.stderr, /uploaded as/);
    assert.equal((await codeArtifacts()).length, 1);
    // Detached: the job is queued (the team holds no slot here) and its id printed.
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^j-[0-9a-z]{26}\n$/);
  });

  it('refuses a directory larger than the free storage with RESOURCE_EXHAUSTED before sending a byte', async () => {
    const code = codeDir('too-big', { 'weights.bin': randomBytes(LIMIT_MB * 1024 * 1024 + 4096) });
    const run = await runCliInProcess(['run', '--detach', '--code', code, '--', 'python', 'train.py'], as());
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /RESOURCE_EXHAUSTED/);
    const { uploads } = await demo.listArtifacts();
    assert.deepEqual(uploads, []);
  });

  it('refuses at upload an archive whose entries leave the working directory, and stores nothing', async () => {
    const before = (await codeArtifacts()).length;
    for (const entries of [[{ path: '../evil.py', body: 'x' }], [{ path: 'up', type: 'SymbolicLink' as const, linkpath: '../../etc' }], [{ path: '/etc/cron.d/x', body: 'x' }]]) {
      await assert.rejects(
        demo.upload(craftedArchive(entries), { format: 'tar-gz', filename: 'evil.tar.gz' }),
        (e: unknown) => e instanceof GpulabError && e.code === 'INVALID_ARGUMENT' && /evil\.tar\.gz: .*(leaves|links to)/.test(e.message),
        JSON.stringify(entries),
      );
    }
    assert.equal((await codeArtifacts()).length, before);
  });
});
