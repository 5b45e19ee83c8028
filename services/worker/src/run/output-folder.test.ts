import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveOutputFolder } from './output-folder';

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
});
