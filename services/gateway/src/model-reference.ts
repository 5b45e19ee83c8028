import { ARTIFACT_ID_PATTERN, type ArtifactKindName, type Caller, ErrorCodes, JobStates, type OutputFileRef, quoteInput } from '@gpulab/contracts';
import { type JobKind, MODEL_FILES } from '@gpulab/compute';
import { type ArtifactCatalogue } from './artifact-catalogue';
import { GatewayError } from './errors';
import { ResultReader } from './result-reader';
import { SchedulerClient } from './scheduler-client';

const JOB_ID = /^j-[0-9a-z]{26}$/;

/** The ids a recorded artifact parameter names: itself, or each `NAME=id` entry's id. */
function namedArtifactIds(value: unknown): string[] {
  const entries = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return entries.filter((e): e is string => typeof e === 'string').map((e) => e.slice(e.indexOf('=') + 1)).filter((id) => ARTIFACT_ID_PATTERN.test(id));
}

/**
 * Checks what a job's parameters name besides its input: the trained model (a kind's
 * `modelParam`: a training job or an uploaded model) and pictures (`imageParams`). Each must be
 * one the caller may see (another team's is PERMISSION_DENIED, as GetJob and GetArtifact
 * answer); a training job must have succeeded and written a model, an artifact must be of the
 * kind the parameter wants. {@link JobKind.artifactParams} are checked the same way.
 */
export class ModelReference {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly results: ResultReader,
    private readonly artifacts: ArtifactCatalogue,
  ) {}

  async check(caller: Caller, kind: JobKind, params: Record<string, unknown>): Promise<void> {
    for (const name of kind.imageParams ?? []) {
      const id = params[name];
      if (id === undefined || id === '') continue;
      if (typeof id !== 'string' || !ARTIFACT_ID_PATTERN.test(id)) {
        throw new GatewayError(ErrorCodes.invalidArgument, `${name} must be the id of an uploaded picture (art-…, from "gpulab upload picture.png"), not ${quoteInput(id)}`);
      }
      await this.artifactOfKind(caller, id, 'image', name);
    }
    for (const [name, wanted] of Object.entries(kind.artifactParams ?? {})) {
      for (const id of namedArtifactIds(params[name])) {
        if (wanted === 'any') await this.artifacts.getArtifact(caller, id);
        else await this.artifactOfKind(caller, id, wanted, name);
      }
    }
    if (!kind.modelParam) return;
    const id = params[kind.modelParam];
    if (typeof id !== 'string' || id === '') {
      throw new GatewayError(
        ErrorCodes.invalidArgument,
        `${kind.name} needs a trained model: --set ${kind.modelParam}=JOB_ID (a train-classifier job that succeeded) or ${kind.modelParam}=ART_ID (an uploaded model)`,
      );
    }
    if (ARTIFACT_ID_PATTERN.test(id)) {
      await this.artifactOfKind(caller, id, 'model', kind.modelParam);
      return;
    }
    if (!JOB_ID.test(id)) {
      throw new GatewayError(ErrorCodes.invalidArgument, `${kind.modelParam} must be the id of a training job (j-…) or of an uploaded model (art-…), not ${quoteInput(id)}`);
    }
    const { job } = await this.scheduler.call('get', { caller, jobId: id });
    if (job.state !== JobStates.succeeded || !job.resultRef) {
      throw new GatewayError(ErrorCodes.failedPrecondition, `job ${id} is ${job.state}: a model can be used once its training job has SUCCEEDED`);
    }
    if (job.outputsDeleted) {
      throw new GatewayError(ErrorCodes.failedPrecondition, `the outputs of job ${id}, its model included, were deleted on ${job.outputsDeleted.at}; train the model again`);
    }
    const result = (await this.results.read(job.resultRef)) as { files?: OutputFileRef[] };
    const written = new Set((result.files ?? []).map((f) => f.name));
    const missing = MODEL_FILES.filter((f) => !written.has(f));
    if (missing.length > 0) {
      throw new GatewayError(ErrorCodes.failedPrecondition, `job ${id} (${job.kind}) did not write a model (${missing.join(', ')} missing); train one with "gpulab submit train-classifier"`);
    }
  }

  private async artifactOfKind(caller: Caller, id: string, wanted: ArtifactKindName, param: string): Promise<void> {
    const artifact = await this.artifacts.getArtifact(caller, id);
    const kind = artifact.kind ?? 'dataset';
    if (kind !== wanted) {
      const what: Record<ArtifactKindName, string> = { dataset: 'a data set', image: 'a picture', model: 'a model', code: 'a code archive' };
      throw new GatewayError(ErrorCodes.invalidArgument, `${param}: ${id} (${artifact.filename}) is ${what[kind]}, not ${what[wanted]}`);
    }
  }
}
