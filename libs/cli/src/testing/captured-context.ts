import { type GpulabClient } from '@gpulab/sdk';
import { type CliContext } from '../cli-context';
import { capturedStream } from './golden';

/** A context whose stdout and stderr are kept for the test to read; `connect` as given. */
export function capturedContext(connect: () => GpulabClient = () => assertNotCalled()): CliContext & { out(): string; err(): string } {
  const stdout = capturedStream(false);
  const stderr = capturedStream(false);
  return {
    stdout,
    stderr,
    connect,
    onInterrupt: () => () => undefined,
    timeZone: 'UTC',
    now: () => new Date('2026-12-01T08:05:00Z'),
    exitCode: 0,
    out: () => stdout.text(),
    err: () => stderr.text(),
  };
}

function assertNotCalled(): never {
  throw new Error('this command line should be refused before it connects');
}
