import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'tar-stream';
import { packFolder, unpackFolder } from './folder-archive';

function withDirs(body: (a: string, b: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const root = mkdtempSync(join(tmpdir(), 'gpulab-archive-'));
    try {
      mkdirSync(join(root, 'a'));
      mkdirSync(join(root, 'b'));
      await body(join(root, 'a'), join(root, 'b'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  };
}

describe('a checkpoint folder as one archive', () => {
  it(
    'comes back as it was packed, nested folders included',
    withDirs(async (a, b) => {
      mkdirSync(join(a, 'epoch'));
      writeFileSync(join(a, 'epoch', 'weights.bin'), Buffer.from([1, 2, 3]));
      writeFileSync(join(a, 'state.json'), '{"epoch": 5}');
      const packed = await packFolder(a);
      assert.equal(packed.files, 2);
      assert.equal(await unpackFolder(packed.bytes, b), 2);
      assert.deepEqual([...readFileSync(join(b, 'epoch', 'weights.bin'))], [1, 2, 3]);
      assert.equal(readFileSync(join(b, 'state.json'), 'utf8'), '{"epoch": 5}');
    }),
  );

  it(
    'writes nothing outside its folder when an entry names ../',
    withDirs(async (a, b) => {
      const archive = pack();
      archive.entry({ name: '../escaped.txt' }, 'x');
      archive.entry({ name: 'kept.txt' }, 'y');
      archive.finalize();
      const chunks: Buffer[] = [];
      for await (const chunk of archive) chunks.push(chunk as Buffer);
      assert.equal(await unpackFolder(Buffer.concat(chunks), b), 1);
      assert.throws(() => readFileSync(join(b, '..', 'escaped.txt')));
      assert.equal(readFileSync(join(b, 'kept.txt'), 'utf8'), 'y');
      void a;
    }),
  );
});
