import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type UploadProgress } from '@gpulab/sdk';
import { capturedStream } from './testing/golden';
import { UploadDisplay } from './upload-display';

const MB = 1024 * 1024;

function progress(phase: UploadProgress['phase'], sentBytes: number, extra: Partial<UploadProgress> = {}): UploadProgress {
  return { uploadId: 'up-1', phase, sentBytes, totalBytes: 120 * MB, resumes: 0, ...extra };
}

describe('the upload display', () => {
  it('says what this run sent, not the whole file, after a resume that found 30 MB already there', () => {
    let now = 0;
    const out = capturedStream(false);
    const display = new UploadDisplay(out, true, () => now);
    display.update(progress('hashing', 0));
    now = 1000;
    display.update(progress('sending', 30 * MB));
    now = 3000;
    display.update(progress('sending', 120 * MB));
    display.update(progress('finishing', 120 * MB, { finishingMs: 0 }));
    now = 4000;
    display.done();
    assert.match(out.text(), /^sent 90\.0 MB in 2\.00 s \(45\.0 MB\/s\), stored in 1\.00 s; 4\.00 s in all$/m);
  });

  it('notes a broken connection once, with what had arrived', () => {
    const out = capturedStream(false);
    const display = new UploadDisplay(out, true);
    display.update(progress('sending', 0));
    display.update(progress('sending', 40 * MB, { resumes: 1 }));
    display.update(progress('sending', 60 * MB, { resumes: 1 }));
    display.stop();
    assert.equal(out.text().match(/the connection broke/g)?.length, 1);
    assert.match(out.text(), /going on from the 40\.0 MB that arrived/);
  });
});
