import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CodeArchiveError, CodeArchiveErrorCodes, type CodeArchiveErrorCode } from './errors';
import { inspectArchive } from './inspect-archive';
import { listCodeFiles } from './code-files';
import { packDirectory } from './pack-directory';
import { unpackArchive } from './unpack-archive';
import { craftedArchive } from './testing/crafted-archive';

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'gpulab-code-'));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

const refusedWith = (code: CodeArchiveErrorCode) => (error: unknown) => error instanceof CodeArchiveError && error.code === code;

describe('packing a directory', () => {
  it('leaves out .git, node_modules and __pycache__ at any depth and what .gpulabignore lists', async () => {
    const dir = tree({
      'train.py': 'print(1)',
      'lib/model.py': 'x = 1',
      'lib/__pycache__/model.cpython-311.pyc': 'bytecode',
      '.git/HEAD': 'ref',
      'web/node_modules/x/index.js': '',
      'data/big.npy': 'numbers',
      'notes.log': 'log',
      '.gpulabignore': '# not code\ndata/\n*.log\n',
    });
    const paths = (await listCodeFiles(dir)).map((f) => f.path);
    assert.deepEqual(paths, ['.gpulabignore', 'lib', 'lib/model.py', 'train.py', 'web']);
  });

  it('packs the same tree into the same bytes, so its SHA-256 finds an earlier upload', async () => {
    const files = { 'train.py': 'print(1)', 'lib/a.py': 'a' };
    const first = await packDirectory(tree(files));
    const second = await packDirectory(tree(files));
    assert.equal(first.sha256, second.sha256);
    assert.deepEqual([first.files, first.unpackedBytes], [2, 9]);
    const changed = await packDirectory(tree({ ...files, 'lib/a.py': 'b' }));
    assert.notEqual(changed.sha256, first.sha256);
  });

  it('refuses a link that points outside the directory before packing anything', async () => {
    const dir = tree({ 'train.py': '' });
    symlinkSync('/etc/passwd', join(dir, 'secrets'));
    await assert.rejects(packDirectory(dir), refusedWith(CodeArchiveErrorCodes.escapingLink));
  });

  it('refuses a directory with nothing to pack, and more files than the limit allows', async () => {
    await assert.rejects(packDirectory(tree({ '.git/HEAD': 'ref' })), refusedWith(CodeArchiveErrorCodes.nothingToPack));
    await assert.rejects(packDirectory(tree({ 'a.py': '', 'b.py': '', 'c.py': '' }), { maxEntries: 2, maxUnpackedBytes: 100 }), refusedWith(CodeArchiveErrorCodes.tooLarge));
    await assert.rejects(packDirectory(tree({ 'a.py': 'x'.repeat(101) }), { maxEntries: 10, maxUnpackedBytes: 100 }), refusedWith(CodeArchiveErrorCodes.tooLarge));
  });
});

describe('inspecting an archive', () => {
  it('counts the files and bytes of an archive that stays inside its directory', async () => {
    const archive = craftedArchive([{ path: 'src/', type: 'Directory' }, { path: 'src/a.py', body: 'abc' }, { path: 'link', type: 'SymbolicLink', linkpath: 'src/a.py' }]);
    assert.deepEqual(await inspectArchive(archive), { entries: 3, files: 1, unpackedBytes: 3 });
  });

  it('refuses paths that leave the directory: ../, absolute, a drive letter, .. after a directory', async () => {
    for (const path of ['../evil.py', '/etc/cron.d/x', 'C:/Windows/x', 'src/../../x', '..\\x']) {
      await assert.rejects(inspectArchive(craftedArchive([{ path, body: 'x' }])), refusedWith(CodeArchiveErrorCodes.escapingPath), path);
    }
  });

  it('refuses links pointing outside, absolute links and hard links to outside', async () => {
    const cases = [
      { path: 'up', type: 'SymbolicLink' as const, linkpath: '../..' },
      { path: 'a/b', type: 'SymbolicLink' as const, linkpath: '../../x' },
      { path: 'passwd', type: 'SymbolicLink' as const, linkpath: '/etc/passwd' },
      { path: 'hard', type: 'Link' as const, linkpath: '../outside' },
    ];
    for (const entry of cases) await assert.rejects(inspectArchive(craftedArchive([entry])), refusedWith(CodeArchiveErrorCodes.escapingLink), entry.path);
  });

  it('refuses device files and FIFOs', async () => {
    for (const type of ['CharacterDevice', 'FIFO'] as const) {
      await assert.rejects(inspectArchive(craftedArchive([{ path: 'dev', type }])), refusedWith(CodeArchiveErrorCodes.unsupportedEntry), type);
    }
  });

  it('refuses bytes that are not a tar.gz archive', async () => {
    await assert.rejects(inspectArchive(Buffer.from('print("hello")\n')), refusedWith(CodeArchiveErrorCodes.malformed));
  });

  it('reads an archive given as chunks as it reads one given whole', async () => {
    const archive = craftedArchive([{ path: 'a.py', body: 'abc' }]);
    async function* chunks() {
      for (let i = 0; i < archive.length; i += 7) yield archive.subarray(i, i + 7);
    }
    assert.deepEqual(await inspectArchive(chunks()), { entries: 1, files: 1, unpackedBytes: 3 });
  });
});

describe('unpacking an archive', () => {
  it('writes a packed directory back into a fresh one, files and links as they were', async () => {
    const dir = tree({ 'train.py': 'print(1)', 'lib/a.py': 'a' });
    symlinkSync('lib/a.py', join(dir, 'alias.py'));
    const packed = await packDirectory(dir);
    const dest = join(mkdtempSync(join(tmpdir(), 'gpulab-work-')), 'work');
    assert.deepEqual(await unpackArchive(packed.archive, dest), { entries: 4, files: 2, unpackedBytes: 9 });
    assert.equal(readFileSync(join(dest, 'train.py'), 'utf8'), 'print(1)');
    assert.equal(readFileSync(join(dest, 'alias.py'), 'utf8'), 'a');
  });

  it('writes nothing at all from an archive with one escaping entry, even after good ones', async () => {
    const root = mkdtempSync(join(tmpdir(), 'gpulab-work-'));
    const dest = join(root, 'work');
    const archive = craftedArchive([{ path: 'ok.py', body: 'fine' }, { path: '../escaped.py', body: 'bad' }]);
    await assert.rejects(unpackArchive(archive, dest), refusedWith(CodeArchiveErrorCodes.escapingPath));
    assert.equal(existsSync(join(root, 'escaped.py')), false);
    assert.equal(existsSync(join(dest, 'ok.py')), false);
  });

  it('refuses a directory that is not empty', async () => {
    const dest = tree({ 'old.py': '' });
    await assert.rejects(unpackArchive(craftedArchive([{ path: 'a.py', body: 'a' }]), dest), refusedWith(CodeArchiveErrorCodes.destinationNotEmpty));
  });
});
