import { type Caller, encodedMatrixBytes, encodeMatrixParts, ErrorCodes, excerpt, type JobInputSpec, ObjectMetadata, ObjectNames, type pb, quoteInput, teamOf } from '@gpulab/contracts';
import { ComputeError, CsvLineCounter, CsvMatrixReader, csvShape, findDataset, type Matrix, type MatrixShape } from '@gpulab/compute';
import { objectKey, type StorageLedger, streamOfParts } from '@gpulab/platform';
import { type ObjectStore } from '@nats-io/obj';
import { type ArtifactLibrary } from './artifact-library';
import { GatewayError, noTeam } from './errors';
import { type HeavyWorkGate } from './heavy-work-gate';
import { mb } from './byte-sizes';

export interface AcceptedInput {
  spec: JobInputSpec;
  shape?: MatrixShape;
  /** Removes what was stored, when the submission fails after all. */
  discard(): Promise<void>;
}

const SUPPORTED_FORMATS = ['csv'];
/** Text is decoded this much at a time: the file's bytes are in the request, its text never is whole. */
const DECODE_BYTES = 1024 * 1024;

/**
 * Checks a submitted input and puts it where the worker will read it. A CSV is parsed here, so
 * a bad file is refused at once with the row and column, and stored as a binary matrix. An
 * artifact is stored already: the job reads its object (a matrix, or a picture the worker
 * decodes), which stays when the job ends.
 *
 * An inline input counts against the team's storage while it exists; `InputSweeper` deletes it
 * once its job has ended. Reading one holds its matrix in memory, so it waits for a turn at the
 * `HeavyWorkGate`, and its size is checked against the team's free space before it is read.
 */
export class InputIntake {
  constructor(
    private readonly artifacts: ObjectStore,
    private readonly library: ArtifactLibrary,
    private readonly ledger: StorageLedger,
    private readonly gate: HeavyWorkGate,
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
      const artifact = await this.library.catalogue.getArtifact(caller, input.artifactId);
      if (artifact.kind === 'model') {
        throw new GatewayError(ErrorCodes.invalidArgument, `${artifact.id} (${artifact.filename}) is a model: give it as --set model=${artifact.id}, and a data set or picture as the input`);
      }
      if (artifact.kind === 'code') {
        throw new GatewayError(ErrorCodes.invalidArgument, `${artifact.id} (${artifact.filename}) is a code archive: give it to a run job as --code ${artifact.id}, and a data set or picture as the input`);
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
      const team = teamOf(caller, noTeam);
      const name = ObjectNames.input(jobId);
      const matrix = await this.gate.run(team, async () => {
        const read = await this.readCsv(team, content, label);
        const size = encodedMatrixBytes(read.rows, read.cols);
        await this.library.quota.withRoom(team, size, `${label} takes ${mb(size)} stored (${read.rows} × ${read.cols} numbers of 8 bytes)`, async () => {
          const parts = encodeMatrixParts(read);
          const info = await this.artifacts.put({ name, description: `input of ${jobId} (${label})`, metadata: { [ObjectMetadata.team]: team } }, streamOfParts(parts));
          this.ledger.noteObject(info);
        });
        return read;
      });
      return {
        spec: { source: 'object', name, rows: matrix.rows, cols: matrix.cols, filename: filename || undefined },
        shape: { rows: matrix.rows, cols: matrix.cols },
        discard: async () => {
          await this.artifacts.delete(name).then(
            () => this.ledger.removed(objectKey(name)),
            () => undefined,
          );
        },
      };
    }
    return { spec: { source: 'none' }, discard: nothing };
  }

  /**
   * A first pass counts the lines, so a file too large for the team's free space is refused before
   * any number is read; then the text is decoded a piece at a time straight into the matrix.
   */
  private async readCsv(team: string, content: Uint8Array, label: string): Promise<Matrix> {
    const counter = new CsvLineCounter();
    const { lines, firstLine } = asInvalidArgument(() => {
      counter.push(content);
      return counter.end();
    }, label);
    const shape = asInvalidArgument(() => csvShape(firstLine, lines), label);
    const bound = encodedMatrixBytes(shape.rows, shape.cols);
    await this.library.quota.withRoom(team, bound, `${label} would take up to ${mb(bound)} stored (${shape.rows} × ${shape.cols} numbers of 8 bytes); it was refused before being read`, async () => undefined);
    const reader = new CsvMatrixReader({ expectedRows: lines });
    const decoder = new TextDecoder('utf-8');
    for (let at = 0; at < content.byteLength; at += DECODE_BYTES) {
      asInvalidArgument(() => reader.push(decoder.decode(content.subarray(at, at + DECODE_BYTES), { stream: true })), label);
      // Other calls are answered between pieces, not only once the whole file is read.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return asInvalidArgument(() => {
      reader.push(decoder.decode());
      return reader.end().matrix;
    }, label);
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
