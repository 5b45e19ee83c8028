import { type WorkerDataClient } from '@gpulab/platform';

/** What preparing a job's code needs: the archive's artifact id, if the job names one, and a way to read it. */
export interface CodeContext {
  code?: string;
  data: WorkerDataClient;
}

/**
 * Puts the job's code archive (`--code DIR`, the `code` parameter) into the command's working
 * directory before it starts. The seam where the code archive's unpacking plugs in; without
 * a `code` parameter there is nothing to do.
 */
export async function prepareCode(ctx: CodeContext, workdir: string): Promise<void> {
  if (!ctx.code) return;
  void workdir;
  throw new CodeArchiveError(`job names code archive ${ctx.code}, but this worker cannot unpack code archives yet`);
}

/** A code archive that cannot be used; trying again does not help. */
export class CodeArchiveError extends Error {
  readonly retryable = false;
}
