import { Inject, Injectable } from '@nestjs/common';
import { attemptOfSubject, type HeartbeatReply, HEARTBEATS_WILDCARD } from '@gpulab/contracts';
import { type LastBeat } from '@gpulab/scheduling';
import { type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { JobStore } from './job-store';
import { SchedulerService } from './scheduler.service';
import { CLOCK, NATS, SCHEDULER_CONFIG } from './tokens';
import { isCurrentAttempt } from './worker-data-access';

/**
 * Hears the workers' beats and asks the scheduler, a few times per timeout, to expire silent ones.
 * A beat names its job and attempt in its subject (which only that attempt's credentials may
 * publish on) and is answered with whether the attempt is still current: a worker the scheduler
 * has given up on (cancelled, fenced, lost and come back) learns it and stops.
 */
@Injectable()
export class HeartbeatMonitor {
  private readonly beats = new Map<string, LastBeat>();
  private subscription?: Subscription;
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SCHEDULER_CONFIG) private readonly config: SchedulerConfig,
    private readonly scheduler: SchedulerService,
    private readonly jobs: JobStore,
  ) {}

  start(): void {
    const sinceMs = this.clock.now().getTime();
    this.subscription = this.nc.subscribe(HEARTBEATS_WILDCARD, {
      callback: (err, msg) => {
        if (err) return;
        const beat = attemptOfSubject(msg.subject);
        if (!beat) return;
        const current = isCurrentAttempt(this.jobs.get(beat.jobId), beat.attempt);
        if (current) this.beats.set(beat.jobId, { attempt: beat.attempt, atMs: this.clock.now().getTime() });
        if (msg.reply) msg.respond(JSON.stringify({ current } satisfies HeartbeatReply));
      },
    });
    this.timer = setInterval(() => void this.scheduler.expireLeases(this.beats, sinceMs), Math.max(Math.floor(this.config.heartbeatTimeoutMs / 4), 100));
    this.timer.unref();
  }

  close(): void {
    clearInterval(this.timer);
    this.subscription?.unsubscribe();
  }
}
