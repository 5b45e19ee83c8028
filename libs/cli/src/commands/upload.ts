import { existsSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { DATA_FORMATS, type DataFormatName, GpulabError } from '@gpulab/sdk';
import { type CliContext, printJson, withClient } from '../cli-context';
import { describeShape } from '../format';
import { UploadDisplay } from '../upload-display';
import { UsageError } from '../usage-error';

interface UploadFlags {
  labels?: string;
  weights?: string;
  labelColumn?: string;
  format?: DataFormatName;
  labelsFormat?: DataFormatName;
  resume?: string;
  json?: boolean;
}

/** Failures after which what arrived is kept and the same upload can go on. */
const RESUMABLE = new Set(['CANCELLED', 'UNAVAILABLE', 'DEADLINE_EXCEEDED', 'UNKNOWN', 'INTERNAL']);

/** `upload`: a data set, a picture or a model, once, for many jobs. */
export function registerUploadCommand(program: Command, ctx: CliContext): void {
  program
    .command('upload')
    .description(
      'upload once, use in many jobs: a data set (CSV, NumPy .npy or IDX) or a picture (PNG, JPEG) as --input ART_ID, a TensorFlow.js model (model.json) as --set model=ART_ID; e.g. gpulab upload train.csv --label-column label',
    )
    .argument('<file>', 'the data file, picture, or model.json')
    .option('--labels <file>', 'npy/idx data: a file with one class per row (npy, idx or a CSV column)')
    .option('--weights <file>', 'model.json: its weights, when they are not the files its manifest names beside it (shards: give them concatenated)')
    .option('--label-column <name-or-n>', "csv data: the column with each row's class, by header name or 1-based number")
    .addOption(new Option('--format <format>', "the data file's format (default: from its name)").choices(DATA_FORMATS as string[]))
    .addOption(new Option('--labels-format <format>', "the labels file's format (default: from its name)").choices(DATA_FORMATS as string[]))
    .option('--resume <upload-id>', 'go on with an upload of the same file that stopped (up-…)')
    .option('--json', 'print one JSON object: the artifact')
    .action(async (file: string, opts: UploadFlags) =>
      withClient(ctx, async (client) => {
        for (const path of [file, opts.labels, opts.weights]) if (path !== undefined && !existsSync(path)) throw new UsageError(`${path}: no such file`);
        const display = new UploadDisplay(ctx.stderr, !!opts.json);
        display.uploadId = opts.resume;
        const controller = new AbortController();
        const stopListening = ctx.onInterrupt(() => controller.abort());
        try {
          const artifact = await client.upload(
            file,
            { format: opts.format, labels: opts.labels, weights: opts.weights, labelColumn: opts.labelColumn, labelsFormat: opts.labelsFormat, resumeUploadId: opts.resume, signal: controller.signal },
            (p) => display.update(p),
          );
          display.done();
          if (opts.json) printJson(ctx, artifact);
          else ctx.stdout.write(`${artifact.id}  ${artifact.filename}  ${describeShape(artifact)}\n`);
        } catch (error) {
          display.stop();
          throw withResumeHint(error, file, opts, display.uploadId);
        } finally {
          stopListening();
        }
      }),
    );
}

/** The command line that goes on with an upload that stopped, added to the error that stopped it. */
export function withResumeHint(error: unknown, file: string, opts: UploadFlags, uploadId: string | undefined): unknown {
  if (!(error instanceof GpulabError) || !uploadId || !RESUMABLE.has(error.code)) return error;
  // The SDK says how to resume in its own words; the command line below says it once, whole.
  const message = error.message.replace(/; what arrived is kept for a while: resume with the upload id \S+$/, '');
  const again = ['upload', file, ...(opts.labels ? ['--labels', opts.labels] : []), ...(opts.weights ? ['--weights', opts.weights] : []), '--resume', uploadId].join(' ');
  return new GpulabError(error.code, error.grpcCode, `${message}. What arrived is kept for a while; go on with: gpulab ${again}`, { cause: error, reason: error.reason, metadata: error.metadata });
}
