import { type Caller, ErrorCodes, type JobRecord, type StorageUsageView } from '@gpulab/contracts';
import { type ObjectStore } from '@nats-io/obj';
import { type Clock, systemClock } from './clock';
import { GatewayError } from './errors';
import { outputsDue, retentionCandidates } from './output-retention';
import { type ResultReader } from './result-reader';
import { type SchedulerClient } from './scheduler-client';
import { objectKey, type StorageLedger } from '@gpulab/platform';

/** The gateway itself deleting what the retention allows, for every team. */
const GATEWAY_CALLER: Caller = { role: 'tutor', name: 'gateway' };

export interface OutputsDeleted {
  job: JobRecord;
  alreadyDeleted: boolean;
  /** Objects this call deleted and the bytes the team's storage got back. */
  files: number;
  freedBytes: number;
  usage: StorageUsageView;
}

export interface OutputSweep {
  jobs: number;
  files: number;
  freedBytes: number;
}

export interface JobOutputsOptions {
  /** Outputs of jobs that ended this long ago are deleted by `sweep`; 0 keeps them. */
  retentionMs: number;
  teamStorageBytes: number;
}

/**
 * Deletes an ended job's result, files and checkpoint: at a member's request, or once the job
 * ended longer ago than the retention. The scheduler marks the job first (only it writes job
 * records; the mark is what a later download reports), then the gateway deletes the objects it
 * finds in its storage index, where they are listed per job without reading the Object Store.
 * A deletion cut short is finished by asking again or by the next sweep, which finds the mark.
 */
export class JobOutputs {
  constructor(
    private readonly ledger: StorageLedger,
    private readonly objects: ObjectStore,
    private readonly scheduler: SchedulerClient,
    private readonly results: ResultReader,
    private readonly options: JobOutputsOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  async delete(caller: Caller, jobId: string, retention = false): Promise<OutputsDeleted> {
    const { job, alreadyDeleted } = await this.scheduler.call('deleteOutputs', { caller, jobId, retention });
    const { files, freedBytes } = await this.deleteObjects(job);
    return { job, alreadyDeleted, files, freedBytes, usage: this.ledger.usage(job.team, this.options.teamStorageBytes) };
  }

  /** Deletes what the retention allows; each due job is confirmed with the scheduler first. */
  async sweep(): Promise<OutputSweep> {
    const now = this.clock.now();
    const swept: OutputSweep = { jobs: 0, files: 0, freedBytes: 0 };
    for (const jobId of retentionCandidates(this.ledger.allJobObjects(), now, this.options.retentionMs)) {
      let job: JobRecord;
      try {
        ({ job } = await this.scheduler.call('get', { caller: GATEWAY_CALLER, jobId }));
      } catch (error) {
        // Objects of a job the scheduler does not know are not the retention's to judge.
        if (error instanceof GatewayError && error.code === ErrorCodes.notFound) continue;
        throw error;
      }
      if (!outputsDue(job, now, this.options.retentionMs)) continue;
      const done = await this.delete(GATEWAY_CALLER, jobId, true);
      swept.jobs++;
      swept.files += done.files;
      swept.freedBytes += done.freedBytes;
    }
    return swept;
  }

  private async deleteObjects(job: JobRecord): Promise<{ files: number; freedBytes: number }> {
    const stored = this.ledger.jobObjects(job.id);
    const names = stored.map((o) => o.name);
    // A result stored before objects carried their team is not in the index, but is still deleted.
    if (job.resultRef && !names.includes(job.resultRef) && (await this.isStored(job.resultRef))) names.push(job.resultRef);
    for (const name of names) {
      await this.objects.delete(name);
      this.ledger.removed(objectKey(name));
    }
    const files = names.length;
    if (job.resultRef) this.results.forget(job.resultRef);
    return { files, freedBytes: stored.reduce((sum, o) => sum + o.bytes, 0) };
  }

  private async isStored(name: string): Promise<boolean> {
    const info = await this.objects.info(name);
    return info !== null && !info.deleted;
  }
}
