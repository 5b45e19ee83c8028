import { ALL_JOB_STATES, type Caller, ErrorCodes, isTerminalState } from '@gpulab/contracts';
import { type ObjectStore } from '@nats-io/obj';
import { type Clock, systemClock } from './clock';
import { GatewayError } from './errors';
import { type SchedulerClient } from './scheduler-client';
import { objectKey, type StorageLedger, type StoredInput } from '@gpulab/platform';

/** The gateway itself asking about every team's jobs. */
const GATEWAY_CALLER: Caller = { role: 'tutor', name: 'gateway' };

/**
 * An input whose job the scheduler does not know is kept this long: it may be a submission still
 * on its way (the input is stored before the job is submitted). After that it is a submission
 * that failed without cleaning up (the gateway stopped half-way).
 */
export const UNKNOWN_JOB_GRACE_MS = 10 * 60_000;

export interface InputSweep {
  deleted: number;
  kept: number;
}

/**
 * Deletes the inline inputs and checkpoints of jobs that have ended. Both must stay while the job
 * can still run or be retried (a retried attempt reads them again), so only a terminal state
 * frees them; results and the files a job wrote stay.
 *
 * The gateway deletes them, not the scheduler on the terminal transition, because a sweep that
 * compares what is stored with what has ended is idempotent and crash-safe: whatever stopped a
 * deletion (a crash, a store that did not answer, a gateway that was down when the job ended),
 * the next sweep finds the input again and deletes it, and deleting twice is harmless. A
 * deletion tied to the transition would be lost with the process that should have made it, and
 * would put Object Store writes on the scheduler's state path.
 *
 * A sweep asks for the unfinished jobs a page of 500 at a time, and confirms each input whose job
 * is not among them with its own request before deleting: a job listed on no page because it
 * changed state between pages is then still kept.
 */
export class InputSweeper {
  constructor(
    private readonly ledger: StorageLedger,
    private readonly objects: ObjectStore,
    private readonly scheduler: SchedulerClient,
    private readonly clock: Clock = systemClock,
  ) {}

  async sweep(): Promise<InputSweep> {
    const inputs = this.ledger.inputs();
    if (inputs.length === 0) return { deleted: 0, kept: 0 };
    const unfinished = await this.unfinishedJobIds();
    let deleted = 0;
    for (const input of inputs) {
      if (unfinished.has(input.jobId)) continue;
      if (await this.ended(input)) {
        await this.objects.delete(input.name);
        this.ledger.removed(objectKey(input.name));
        deleted++;
      }
    }
    return { deleted, kept: inputs.length - deleted };
  }

  /** Whether the input's job has ended, or is unknown for longer than a submission takes. */
  private async ended(input: StoredInput): Promise<boolean> {
    try {
      const { job } = await this.scheduler.call('get', { caller: GATEWAY_CALLER, jobId: input.jobId });
      return isTerminalState(job.state);
    } catch (error) {
      if (error instanceof GatewayError && error.code === ErrorCodes.notFound) return this.clock.now() - input.modifiedMs > UNKNOWN_JOB_GRACE_MS;
      throw error;
    }
  }

  private async unfinishedJobIds(): Promise<Set<string>> {
    const states = ALL_JOB_STATES.filter((s) => !isTerminalState(s));
    const ids = new Set<string>();
    let pageToken: string | undefined;
    do {
      const page = await this.scheduler.call('list', { caller: GATEWAY_CALLER, states, pageSize: 500, pageToken });
      for (const job of page.jobs) ids.add(job.id);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return ids;
  }
}
