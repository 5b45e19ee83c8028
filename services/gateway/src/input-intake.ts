import { type Caller, encodeMatrix, ErrorCodes, excerpt, type JobInputSpec, ObjectNames, type pb, quoteInput } from '@gpulab/contracts';
import { ComputeError, findDataset, type MatrixShape, parseCsvMatrix } from '@gpulab/compute';
import { type ObjectStore } from '@nats-io/obj';
import { type ArtifactLibrary } from './artifact-library';
import { GatewayError } from './errors';

export interface AcceptedInput {
  spec: JobInputSpec;
  shape?: MatrixShape;
  /** Removes what was stored, when the submission fails after all. */
  discard(): Promise<void>;
}

const SUPPORTED_FORMATS = ['csv'];

/**
 * Checks a submitted input and puts it where the worker will read it. A CSV is parsed here, so
 * a bad file is refused at once with the row and column, and stored as a binary matrix. An
 * artifact is stored already: the job reads its object (a matrix, or a picture the worker
 * decodes), which stays when the job ends.
 */
export class InputIntake {
  constructor(
    private readonly artifacts: ObjectStore,
    private readonly library: ArtifactLibrary,
  ) {}

  async accept(caller: Caller, jobId: string, input: pb.JobInput | undefined): Promise<AcceptedInput> {
    const nothing = async () => {};
    if (input?.dataset !== undefined) {
      const dataset = asInvalidArgument(() => findDataset(input.dataset ?? ''));
      const missing = dataset.unavailable?.();
      if (missing) throw new GatewayError(ErrorCodes.failedPrecondition, missing);
      return {
        spec: { source: 'dataset', name: dataset.name },
        shape: { rows: dataset.rows, cols: dataset.cols, labeled: dataset.labeled },
        discard: nothing,
      };
    }
    if (input?.artifactId !== undefined) {
      const artifact = await this.library.resolveForJob(caller, input.artifactId);
      if (artifact.kind === 'model') {
        throw new GatewayError(ErrorCodes.invalidArgument, `${artifact.id} (${artifact.filename}) is a model: give it as --set model=${artifact.id}, and a data set or picture as the input`);
      }
      const itemShape = artifact.itemShape ? { itemShape: artifact.itemShape } : {};
      return {
        spec: {
          source: 'object',
          name: ObjectNames.artifact(artifact.id),
          rows: artifact.rows,
          cols: artifact.cols,
          filename: artifact.filename,
          artifactId: artifact.id,
          ...(artifact.kind === 'image' ? { encoding: 'image' as const } : {}),
          ...itemShape,
        },
        shape: { rows: artifact.rows, cols: artifact.cols, labeled: artifact.labeled, ...itemShape },
        discard: nothing,
      };
    }
    if (input?.inline !== undefined) {
      const { format, content, filename } = input.inline;
      // A file name is the student's input too: a 30 MB one must not come back in every message.
      const label = filename ? excerpt(filename) : 'the input file';
      if (!SUPPORTED_FORMATS.includes(format.toLowerCase())) {
        throw new GatewayError(ErrorCodes.invalidArgument, `${label}: format ${quoteInput(format)} is not supported; use one of: ${SUPPORTED_FORMATS.join(', ')}`);
      }
      const { matrix } = asInvalidArgument(() => parseCsvMatrix(Buffer.from(content).toString('utf8')), label);
      const name = ObjectNames.input(jobId);
      await this.artifacts.putBlob({ name, description: `input of ${jobId} (${label})` }, encodeMatrix(matrix));
      return {
        spec: { source: 'object', name, rows: matrix.rows, cols: matrix.cols, filename: filename || undefined },
        shape: { rows: matrix.rows, cols: matrix.cols },
        discard: async () => {
          await this.artifacts.delete(name).catch(() => undefined);
        },
      };
    }
    return { spec: { source: 'none' }, discard: nothing };
  }
}

/** Compute's validation errors are the caller's to fix: INVALID_ARGUMENT with their message. */
export function asInvalidArgument<T>(work: () => T, label?: string): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ComputeError) {
      throw new GatewayError(ErrorCodes.invalidArgument, label ? `${label}: ${error.message}` : error.message, { cause: error });
    }
    throw error;
  }
}
