import { CodeArchiveError as ArchiveRefused, unpackArchive } from '@gpulab/code-archive';
import { type WorkerDataClient } from '@gpulab/platform';

/** What preparing a job's code needs: the archive's artifact id, if the job names one, and a way to read it. */
export interface CodeContext {
  code?: string;
  data: WorkerDataClient;
}

/**
 * Puts the job's code archive (`--code DIR`, the `code` parameter) into the command's fresh
 * working directory before it starts. The archive was inspected when it was uploaded;
 * `unpackArchive` checks every entry again, so one that changed in the store since still
 * cannot write outside the directory. Returns how many files were unpacked (0 without code).
 */
export async function prepareCode(ctx: CodeContext, workdir: string): Promise<number> {
  if (!ctx.code) return 0;
  const bytes = await ctx.data.read({ kind: 'artifact', id: ctx.code });
  if (!bytes) throw new CodeArchiveError(`code archive ${ctx.code} is not stored (deleted?); upload it again with gpulab run --code DIR`);
  try {
    return (await unpackArchive(bytes, workdir)).files;
  } catch (error) {
    if (error instanceof ArchiveRefused) throw new CodeArchiveError(`code archive ${ctx.code} cannot be unpacked: ${error.message}`);
    throw error;
  }
}

/** A code archive that cannot be used; trying again does not help. */
export class CodeArchiveError extends Error {
  readonly retryable = false;
}
