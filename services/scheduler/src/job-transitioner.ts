import { type JobRecord, JobStates } from '@gpulab/contracts';
import { applyTransition, type Decision, holdsGpus } from '@gpulab/scheduling';
import { type PinoLogger } from 'nestjs-pino';
import { type Clock } from './clock';
import { type JobEvents } from './job-events';
import { type JobStore } from './job-store';
import { type Launcher } from './launcher';

/**
 * Carries out the core's decisions: each transition written to KV (compare-and-set), logged, its
 * state event published, and the worker stopped when the decision says so.
 */
export class JobTransitioner {
  constructor(
    private readonly log: PinoLogger,
    private readonly clock: Clock,
    private readonly store: JobStore,
    private readonly events: JobEvents,
    private readonly launcher: Launcher,
    private readonly stopGraceMs: number,
    /** Told when a job is queued again with a backoff, so a cycle runs when it ends. */
    private readonly onBackoff: (untilMs: number) => void,
  ) {}

  /** Applies the decision's transitions in order; returns the job as it ends up. */
  async apply(job: JobRecord, decision: Decision): Promise<JobRecord> {
    let current = job;
    for (const t of decision) {
      const now = this.clock.now().toISOString();
      const from = current.state;
      current = await this.store.update(current.id, (stored) => applyTransition(stored, t, now));
      this.log.info({ jobId: current.id, team: current.team, from, to: t.to, attempt: current.attempt, reason: t.changes.reason }, 'job state');
      if (t.stopWorker && holdsGpus(from) && !holdsGpus(t.to)) this.launcher.stop(current.id, this.stopGraceMs);
      if (t.to === JobStates.queued && current.notBefore) this.onBackoff(Date.parse(current.notBefore));
      await this.events.publish(current.id, current.attempt, {
        type: 'state',
        state: t.to,
        reason: t.changes.reason,
        assignedGpus: t.to === JobStates.scheduled ? current.assignedGpus : undefined,
      });
    }
    return current;
  }

  /** True when the decision gives GPUs back, so that a cycle may hand them on. */
  static freesGpus(job: JobRecord, decision: Decision): boolean {
    return decision.length > 0 && holdsGpus(job.state) && !holdsGpus(decision[decision.length - 1].to);
  }
}
