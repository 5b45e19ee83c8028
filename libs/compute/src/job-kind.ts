import { type ArtifactKindName } from '@gpulab/contracts';
import { type Matrix } from './matrix';
import { type ParamTable } from './param-table';

export interface MatrixShape {
  rows: number;
  cols: number;
  /** Whether each row carries a class label (a data set's classes, a CSV's label column). */
  labeled?: boolean;
  /**
   * One row's shape before it was flattened, where the data had one: [28, 28] for MNIST's IDX
   * images, [height, width, channels] for an uploaded picture.
   */
  itemShape?: readonly number[];
}

/** A class per row: `names[codes[i]]` is row i's class. */
export interface Labels {
  codes: Int32Array;
  names: string[];
}

/** A file a job writes beside its result: a plot, an embedding, raw tensors. */
export interface OutputFile {
  /** A plain file name (letters, digits, `.`, `-`, `_`), unique within the job. */
  name: string;
  contentType: string;
  bytes: Uint8Array;
  description?: string;
}

/** What a running job can use besides its compiled parameters: its data, and ways to report. */
export interface JobContext {
  input?: Matrix;
  labels?: Labels;
  /** One row's shape before it was flattened, where the input had one (see {@link MatrixShape.itemShape}). */
  inputShape?: readonly number[];
  /**
   * The TensorFlow.js backend the worker was told to use (its GPULAB_BACKEND), for kinds that
   * ready a backend only when a job asks for one (the tensor path of `tsne`).
   */
  preferredBackend?: string;
  /** Which attempt of the job this is, from 1 (the worker's GPULAB_ATTEMPT); a retried job's is higher. */
  attempt?: number;
  /** Whether the input is one uploaded picture (PNG, JPEG): values 0..1, shape [height, width, channels]. */
  inputPicture?: boolean;
  /** `fraction` in 0..1. */
  progress(fraction: number, message: string): Promise<void>;
  log(level: 'info' | 'warn' | 'error', message: string): Promise<void>;
  /** Aborted when the job is cancelled or preempted; long jobs check it between steps. */
  signal: AbortSignal;
  /**
   * Where a long job keeps its progress: what `save` stored in one attempt, `load` returns in
   * the next (after a preemption or a lost worker), so the job resumes instead of starting over.
   */
  checkpoint: {
    load(): Promise<Uint8Array | undefined>;
    save(bytes: Uint8Array): Promise<void>;
  };
  /**
   * Files other jobs wrote (their `files`), by job id and file name; undefined when absent.
   * Used for a trained model named in {@link JobKind.modelParam}, which the gateway has checked
   * the submitter may use.
   */
  jobFiles: {
    read(jobId: string, name: string): Promise<Uint8Array | undefined>;
  };
  /**
   * Uploaded artifacts' stored bytes, by id; undefined when absent. Used for a model or picture
   * a parameter names ({@link JobKind.modelParam}, {@link JobKind.imageParams}), which the
   * gateway has checked the submitter may use.
   */
  artifacts: {
    read(artifactId: string): Promise<Uint8Array | undefined>;
  };
}

/** A model a job trained, in TensorFlow.js layers format, with what a listing shows of it. */
export interface TrainedModel {
  /** model.json, its manifest naming one weights file. */
  modelJson: Uint8Array;
  weights: Uint8Array;
  /** One input image: [height, width, channels]. */
  inputShape: number[];
  classes: number;
  layers: string[];
  parameters: number;
}

export interface JobOutput {
  result: Record<string, unknown>;
  /** The compute backend that ran the job. */
  backend: string;
  /** Stored as artifacts of the job and listed in the result under `files`. */
  files?: OutputFile[];
  /**
   * Stored as a model artifact of the job's team, whose id the result carries as
   * `modelArtifactId`, so the model is listed, shown and used like an uploaded one.
   */
  model?: TrainedModel;
}

/**
 * One kind of job, its parameters typed as `P`. `compile` is the one place they are checked:
 * the gateway runs it at submission, so bad parameters are refused before anything is queued,
 * and the worker runs it again on the job record's parameters and hands the result to `run`.
 * Methods, not function properties, so a `JobKind<PcaParams>` is a `JobKind` in a registry.
 */
export interface JobKind<P = unknown> {
  name: string;
  summary: string;
  /** Whether the job reads a numeric matrix (an uploaded file or a data set). */
  input: 'matrix' | 'none';
  /**
   * The parameter that names a trained model: the id of the job that trained it, or of an
   * uploaded model artifact. At submission the gateway checks that it is the submitter's team's
   * (or the caller is a tutor), and that the job succeeded and wrote {@link MODEL_FILES} or the
   * artifact is a model.
   */
  modelParam?: string;
  /** Parameters that name an uploaded picture (an image artifact), checked like `modelParam`. */
  imageParams?: readonly string[];
  /**
   * Other parameters that name uploaded artifacts, in their recorded form: an id (`art-…`) or a
   * list of `NAME=art-…` entries. At submission each named artifact must be one the caller may
   * see and, unless `any`, of the given kind; so another team's id is refused before the job
   * queues, not when its worker asks for it.
   */
  artifactParams?: Readonly<Record<string, ArtifactKindName | 'any'>>;
  /** Every parameter the kind takes: `gpulab kinds`, the README and the unknown-parameter error come from it. */
  params: ParamTable;
  /** Checks the parameters against the input's shape, fills in defaults and types them. */
  compile(params: Record<string, unknown>, input: MatrixShape | undefined): P;
  /** The compiled parameters as the job record keeps them: plain JSON that `compile` reads back to the same `P`. */
  record(p: P): Record<string, unknown>;
  run(context: JobContext, p: P): Promise<JobOutput>;
}

/** What the gateway stores in a job record at submission: the parameters compiled, as plain JSON. */
export function prepareParams<P>(kind: JobKind<P>, params: Record<string, unknown>, input: MatrixShape | undefined): Record<string, unknown> {
  return kind.record(kind.compile(params, input));
}

/** The files of a trained model in TensorFlow.js layers format, as a training job writes them. */
export const MODEL_FILES = ['model.json', 'weights.bin'] as const;
