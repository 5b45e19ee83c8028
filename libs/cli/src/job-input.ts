import { existsSync, readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { type JobInputOption } from '@gpulab/sdk';
import { UsageError } from './usage-error';

/** The options of `submit` that name a job's data. */
export interface JobInputFlags {
  input?: string;
  dataset?: string;
  artifact?: string;
}

/**
 * What a job reads, from `--input`, `--artifact` or `--dataset`: a CSV file is sent with the
 * job; anything else must be uploaded first and named by its artifact id.
 */
export function jobInput(opts: JobInputFlags): JobInputOption | undefined {
  if ([opts.input, opts.dataset, opts.artifact].filter((v) => v !== undefined).length > 1) {
    throw new UsageError('give one of --input, --artifact and --dataset');
  }
  if (opts.dataset) return { dataset: opts.dataset };
  if (opts.artifact !== undefined) return { artifactId: opts.artifact.trim() };
  if (!opts.input) return undefined;
  if (existsSync(opts.input)) {
    const ext = extname(opts.input).toLowerCase();
    if (ext !== '.csv' && ext !== '.txt') {
      throw new UsageError(`${opts.input}: only CSV files can be sent with a job; upload other files first (gpulab upload ${opts.input}) and give the artifact id`);
    }
    return { csv: readFileSync(opts.input), filename: basename(opts.input) };
  }
  // Not a file: an artifact id is sent as one (the gateway says when it is not a valid one).
  if (/^art-/i.test(opts.input.trim())) return { artifactId: opts.input.trim() };
  throw new UsageError(`${opts.input}: no such file (artifact ids look like art-…; "gpulab artifacts" lists your team's)`);
}
