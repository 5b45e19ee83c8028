import { type Caller, ErrorCodes, JobStates, type OutputFileRef } from '@gpulab/contracts';
import { type JobKind, MODEL_FILES } from '@gpulab/compute';
import { GatewayError } from './errors';
import { ResultReader } from './result-reader';
import { SchedulerClient } from './scheduler-client';

const JOB_ID = /^j-[0-9a-z]{26}$/;

/**
 * Checks the trained model a job names (a kind's `modelParam`): the training job must be one
 * the caller may see (another team's is PERMISSION_DENIED, as GetJob answers), it must have
 * succeeded, and it must have written a model.
 */
export class ModelReference {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly results: ResultReader,
  ) {}

  async check(caller: Caller, kind: JobKind, params: Record<string, unknown>): Promise<void> {
    if (!kind.modelParam) return;
    const id = params[kind.modelParam];
    if (typeof id !== 'string' || id === '') {
      throw new GatewayError(ErrorCodes.invalidArgument, `${kind.name} needs a trained model: --set ${kind.modelParam}=JOB_ID (the id of a train-classifier job that succeeded)`);
    }
    if (!JOB_ID.test(id)) {
      throw new GatewayError(ErrorCodes.invalidArgument, `${kind.modelParam} must be the id of a training job (j-…), not ${JSON.stringify(id)}`);
    }
    const job = await this.scheduler.get({ caller, jobId: id });
    if (job.state !== JobStates.succeeded || !job.resultRef) {
      throw new GatewayError(ErrorCodes.failedPrecondition, `job ${id} is ${job.state}: a model can be used once its training job has SUCCEEDED`);
    }
    const result = (await this.results.read(job.resultRef)) as { files?: OutputFileRef[] };
    const written = new Set((result.files ?? []).map((f) => f.name));
    const missing = MODEL_FILES.filter((f) => !written.has(f));
    if (missing.length > 0) {
      throw new GatewayError(ErrorCodes.failedPrecondition, `job ${id} (${job.kind}) did not write a model (${missing.join(', ')} missing); train one with "gpulab submit train-classifier"`);
    }
  }
}
