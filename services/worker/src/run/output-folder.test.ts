import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkerDataError } from '@gpulab/platform';
import { saveOutputFolder, storageFullReason } from './output-folder';

describe('the outputs folder', () => {
  it('is stored a file each, a folder as NAME.tar, and says what it could not store and why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulab-outputs-'));
    try {
      writeFileSync(join(dir, 'loss.csv'), '1,0.5\n');
      writeFileSync(join(dir, 'bad name.txt'), 'x');
      mkdirSync(join(dir, 'plots'));
      writeFileSync(join(dir, 'plots', 'a.png'), 'png');
      symlinkSync('/etc/hostname', join(dir, 'link'));
      const stored: string[] = [];
      const saved = await saveOutputFolder(dir, async (name) => {
        if (name === 'plots.tar') throw new Error('the store refused it');
        stored.push(name);
      });
      assert.deepEqual(stored, ['loss.csv']);
      assert.deepEqual(saved.files, [{ name: 'loss.csv', contentType: 'text/csv', bytes: 6 }]);
      assert.deepEqual(saved.notSaved, ['bad name.txt: not a plain file name (letters, digits, ".", "_", "-")', 'link: not a file or folder', 'plots: the store refused it']);
      assert.deepEqual(saved.refused, ['plots']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("once the team's storage is full, drops that entry and every later one in name order, and says what was kept and dropped", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gpulab-outputs-'));
    try {
      writeFileSync(join(dir, 'a.bin'), Buffer.alloc(300));
      writeFileSync(join(dir, 'b.bin'), Buffer.alloc(600));
      writeFileSync(join(dir, 'c.bin'), Buffer.alloc(10));
      mkdirSync(join(dir, 'd'));
      writeFileSync(join(dir, 'd', 'x'), Buffer.alloc(50));
      let free = 500;
      const stored: string[] = [];
      const saved = await saveOutputFolder(dir, async (name, bytes) => {
        if (bytes.byteLength > free) throw new WorkerDataError('storage-full', 'team storage full (quota 1.00 MB)');
        free -= bytes.byteLength;
        stored.push(name);
      });
      assert.deepEqual(stored, ['a.bin'], 'c.bin would fit, but comes after the first that did not');
      assert.deepEqual(saved.full, { droppedFiles: 3, droppedBytes: 660, why: 'team storage full (quota 1.00 MB)' });
      assert.deepEqual(saved.notSaved, []);
      assert.equal(storageFullReason(saved, saved.full!), 'outputs: kept 1 file (0.00 MB), dropped 3 files (0.00 MB): team storage full (quota 1.00 MB)');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
