import { Inject, Injectable } from '@nestjs/common';
import { type Heartbeat, HEARTBEATS_WILDCARD } from '@gpulab/contracts';
import { type LastBeat } from '@gpulab/scheduling';
import { type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { type Clock } from './clock';
import { type SchedulerConfig } from './config';
import { SchedulerService } from './scheduler.service';
import { CLOCK, NATS, SCHEDULER_CONFIG } from './tokens';

/** Hears the workers' beats and asks the scheduler, a few times per timeout, to expire silent ones. */
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
  ) {}

  start(): void {
    const sinceMs = this.clock.now().getTime();
    this.subscription = this.nc.subscribe(HEARTBEATS_WILDCARD, {
      callback: (err, msg) => {
        if (err) return;
        const beat = msg.json<Heartbeat>();
        this.beats.set(beat.jobId, { attempt: beat.attempt, atMs: this.clock.now().getTime() });
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
