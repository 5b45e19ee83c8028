import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { ArtifactLibrary } from './artifact-library';
import { type GatewayConfig } from './config';
import { InputSweeper } from './input-sweeper';
import { JobOutputs } from './job-outputs';
import { GATEWAY_CONFIG } from './tokens';
import { StorageLedger } from '@gpulab/platform';

/** How often expired uploads and orphaned artifact objects are looked for, besides at start. */
const SWEEP_INTERVAL_MS = 3600_000;

/**
 * Runs `ArtifactSweeper.sweep` at start and then every hour, `InputSweeper.sweep` (inline
 * inputs of ended jobs) at start and then every `inputSweepMs`, and `JobOutputs.sweep` (outputs
 * past the retention) at start and then every `outputSweepMs`. A sweep that fails is logged and
 * the next one tries again; one never overlaps the previous of its kind.
 */
@Injectable()
export class SweepSchedule implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private running?: Promise<void>;
  private inputs?: Promise<void>;
  private outputs?: Promise<void>;

  constructor(
    @InjectPinoLogger(SweepSchedule.name) private readonly log: PinoLogger,
    private readonly library: ArtifactLibrary,
    private readonly inputSweeper: InputSweeper,
    private readonly jobOutputs: JobOutputs,
    private readonly ledger: StorageLedger,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.sweep();
    const sweepInputs = () => {
      this.inputs ??= this.sweepInputs().finally(() => (this.inputs = undefined));
    };
    sweepInputs();
    const sweepOutputs = () => {
      this.outputs ??= this.sweepOutputs().finally(() => (this.outputs = undefined));
    };
    if (this.config.outputRetentionMs > 0) {
      sweepOutputs();
      this.timers.push(setInterval(sweepOutputs, this.config.outputSweepMs));
    }
    this.timers.push(
      setInterval(() => {
        this.running = this.sweep();
      }, SWEEP_INTERVAL_MS),
      setInterval(sweepInputs, this.config.inputSweepMs),
    );
    for (const timer of this.timers) timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    for (const timer of this.timers.splice(0)) clearInterval(timer);
    await Promise.all([this.running, this.inputs, this.outputs]);
    this.ledger.stop();
  }

  private async sweep(): Promise<void> {
    try {
      const swept = await this.library.sweeper.sweep();
      if (swept.uploads > 0 || swept.orphans > 0) this.log.info(swept, 'deleted expired uploads and orphaned artifact objects');
    } catch (error) {
      this.log.warn({ err: error }, 'artifact sweep failed; the next one tries again');
    }
  }

  private async sweepOutputs(): Promise<void> {
    try {
      const swept = await this.jobOutputs.sweep();
      if (swept.jobs > 0) this.log.info({ ...swept, retentionDays: this.config.outputRetentionMs / 86_400_000 }, 'deleted the outputs of jobs that ended longer ago than the retention');
    } catch (error) {
      this.log.warn({ err: error }, 'output sweep failed; the next one tries again');
    }
  }

  private async sweepInputs(): Promise<void> {
    try {
      const swept = await this.inputSweeper.sweep();
      if (swept.deleted > 0) this.log.info(swept, 'deleted the inline inputs and checkpoints of ended jobs');
    } catch (error) {
      this.log.warn({ err: error }, 'input sweep failed; the next one tries again');
    }
  }
}
