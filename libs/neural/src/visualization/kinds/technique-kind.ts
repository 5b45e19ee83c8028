import { InvalidParameterError, isGiven, type JobContext, type JobOutput, type ParamSpec, type ParamTable, readBoolean, readInteger, rejectUnknownParams } from '@gpulab/compute';
import { initBackend } from '../../backend';
import { type NeuralJobKind } from '../../neural-job-kind';
import { loadSubject, type Subject } from '../subject';

/** What every technique's job takes: the model; and of those that look at an input, its row and whether to invert it. */
export interface TechniqueParams {
  model: string;
  /** The input's row; 0 for a technique without an input. */
  index: number;
  invert: boolean;
}

const MODEL = { name: 'model', type: 'artifact', meaning: 'the id of a train-classifier job that succeeded (j-…) or of an uploaded model (art-…)' } as const satisfies ParamSpec;
const INDEX = { name: 'index', type: 'integer', default: 0, min: 0, meaning: 'the row of the input to look at' } as const satisfies ParamSpec;
const INVERT = { name: 'invert', type: 'boolean', default: false, meaning: 'turn dark ink on light paper into light strokes on black' } as const satisfies ParamSpec;

/** What one technique adds to the shared job: its own parameters, and how it runs on a loaded model. */
export interface TechniqueSpec<T extends object> {
  name: string;
  summary: string;
  /** Whether the technique looks at an input image (filters and class models do not). */
  needsImage: boolean;
  /** Its own parameters, after the shared ones. */
  params: ParamTable;
  /** Its parameters that name an uploaded picture (checked by the gateway like the model). */
  imageParams?: readonly string[];
  /** Checks and types the technique's own parameters (no TensorFlow.js here: the gateway runs it). */
  compile(params: Record<string, unknown>): T;
  run(subject: Subject, context: JobContext, p: TechniqueParams & T): Promise<Omit<JobOutput, 'backend'>>;
}

/** A job kind from a technique: the model reference, the input row and the backend are handled here. */
export function techniqueKind<T extends object>(spec: TechniqueSpec<T>): NeuralJobKind<TechniqueParams & T> {
  const table: ParamTable = [MODEL, ...(spec.needsImage ? [INDEX, INVERT] : []), ...spec.params];
  return {
    name: spec.name,
    initBackend: (preferred) => initBackend(preferred),
    summary: spec.summary,
    input: spec.needsImage ? 'matrix' : 'none',
    modelParam: 'model',
    imageParams: spec.imageParams,
    params: table,
    compile(params, input) {
      rejectUnknownParams(spec.name, params, table);
      if (!isGiven(params, MODEL.name)) {
        throw new InvalidParameterError('model', `${spec.name} needs a trained model: --set model=JOB_ID (a train-classifier job that succeeded) or model=ART_ID (an uploaded model)`);
      }
      const common: TechniqueParams = { model: String(params.model), index: 0, invert: false };
      if (spec.needsImage) {
        if (!input) throw new InvalidParameterError('input', `${spec.name} needs an input image: --dataset NAME --set index=N, or --input ARTIFACT_ID (an uploaded picture or data set)`);
        common.index = readInteger(params, INDEX, { max: input.rows - 1 });
        common.invert = readBoolean(params, INVERT);
      }
      return { ...common, ...spec.compile(params) };
    },
    record({ model, index, invert, ...own }) {
      return { model, ...(spec.needsImage ? { index, invert } : {}), ...own };
    },
    async run(context, p) {
      const subject = await loadSubject(context, p.model);
      await context.progress(0.05, `model loaded on ${subject.backend.name}`);
      try {
        const output = await spec.run(subject, context, p);
        for (const note of subject.notes) await context.log('info', `input: ${note}`);
        await context.progress(1, 'done');
        const notes = subject.notes.length > 0 ? { inputNotes: subject.notes } : {};
        return { backend: subject.backend.name, ...output, result: { ...output.result, ...notes, backend: subject.backend.name } };
      } finally {
        subject.model.dispose();
      }
    },
  };
}

/** The checked value of an optional parameter, or nothing: the technique's own default applies. */
export function optional<K extends string, V>(params: Record<string, unknown>, name: K, read: () => V): Partial<Record<K, V>> {
  return (isGiven(params, name) ? { [name]: read() } : {}) as Partial<Record<K, V>>;
}

/** A `class` parameter: a class index, checked against the model's outputs when the job runs. */
export function classSpec(fallback: string | number, meaning = 'the class whose score is explained'): ParamSpec {
  return { name: 'class', type: 'integer', default: fallback, min: 0, max: 10_000, meaning };
}

/** A given class, or nothing: the technique's default (usually the predicted class) applies. */
export function optionalClass(params: Record<string, unknown>): { class?: number } {
  return optional(params, 'class', () => readInteger(params, classSpec(0)));
}
