import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { type UploadProgress } from '@gpulab/sdk';
import { FinishDisplay } from './finish-display';

/** A stream that is not a terminal, as when the CLI's output goes to a file or a CI log. */
function captured(): { out: NodeJS.WriteStream; text(): string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { out: stream as unknown as NodeJS.WriteStream, text: () => text };
}

const finishing = (finish?: UploadProgress['finish'], finishingMs = 0): UploadProgress => ({
  uploadId: 'up-1',
  phase: 'finishing',
  sentBytes: 1000,
  totalBytes: 1000,
  resumes: 0,
  finishingMs,
  finishDeadlineMs: 61_000,
  ...(finish ? { finish } : {}),
});
const at = (phase: 'waiting' | 'checking' | 'parsing' | 'storing' | 'done', doneBytes: number, rows = 0) => ({
  uploadId: 'up-1',
  phase,
  doneBytes,
  totalBytes: 4 * 1024 * 1024,
  rows,
  startedAt: '2026-12-03T10:00:00.000Z',
  updatedAt: '2026-12-03T10:00:01.000Z',
});

describe('what gpulab upload shows while the gateway finishes', () => {
  it('says each phase the gateway reports, with the bytes read and the rows counted', async () => {
    const { out, text } = captured();
    const display = new FinishDisplay(out);
    display.update(finishing());
    display.update(finishing(at('waiting', 0)));
    display.update(finishing(at('checking', 0)));
    display.update(finishing(at('checking', 4 * 1024 * 1024, 52_000)));
    display.update(finishing(at('parsing', 2 * 1024 * 1024, 52_000)));
    display.update(finishing(at('storing', 0, 52_000)));
    display.stop();
    await new Promise((r) => setImmediate(r));
    const lines = text().trim().split('\n');
    assert.equal(lines[0], 'checking, parsing and storing it on the gateway…');
    assert.match(lines[1], /^waiting for its turn/);
    assert.ok(lines.includes('checking 4.00 MB of 4.00 MB 52,000 rows'), lines.join('\n'));
    assert.ok(lines.includes('parsing 2.00 MB of 4.00 MB 52,000 rows'), lines.join('\n'));
    assert.equal(lines.at(-1), 'storing it');
  });

  it('without reports from the gateway, says the time spent every few seconds and how long it waits', async () => {
    const { out, text } = captured();
    const display = new FinishDisplay(out);
    display.update(finishing(undefined, 0));
    display.update(finishing(undefined, 500));
    await new Promise((r) => setImmediate(r));
    assert.equal(text(), 'checking, parsing and storing it on the gateway…\n', 'nothing more within the first seconds');
  });
});
