import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The golden files live in the sources (src/golden), beside the tests that read them from dist. */
const GOLDEN_DIR = join(__dirname, '..', '..', 'src', 'golden');

/**
 * Asserts that `text` is the golden file `name`. With GPULAB_UPDATE_GOLDEN=1 the file is
 * written instead, to be reviewed in the diff like any other change.
 */
export function assertGolden(name: string, text: string): void {
  const path = join(GOLDEN_DIR, name);
  if (process.env.GPULAB_UPDATE_GOLDEN === '1' || !existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    if (process.env.GPULAB_UPDATE_GOLDEN !== '1') assert.fail(`${name} did not exist; it is written now: check it and run again`);
    return;
  }
  assert.equal(text, readFileSync(path, 'utf8'), `${name} changed (GPULAB_UPDATE_GOLDEN=1 rewrites it)`);
}

/** A stream that keeps what is written, as stderr is for a display; `isTTY` as asked. */
export function capturedStream(isTTY = false): NodeJS.WriteStream & { text(): string } {
  let written = '';
  const stream = {
    isTTY,
    columns: 100,
    write: (chunk: string | Uint8Array) => {
      written += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString();
      return true;
    },
    cursorTo: () => true,
    clearLine: () => true,
    moveCursor: () => true,
    on: () => stream,
    removeListener: () => stream,
    text: () => written,
  };
  return stream as unknown as NodeJS.WriteStream & { text(): string };
}
