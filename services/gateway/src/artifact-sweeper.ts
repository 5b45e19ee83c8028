import { Inject, Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { ArtifactLibrary } from './artifact-library';
import { type GatewayConfig } from './config';
import { InputSweeper } from './input-sweeper';
import { StorageLedger } from './storage-ledger';
import { GATEWAY_CONFIG } from './tokens';

/** How often expired uploads and orphaned artifact objects are looked for, besides at start. */
const SWEEP_INTERVAL_MS = 3600_000;

/**
 * Runs `ArtifactLibrary.sweep` at start and then every hour, and `InputSweeper.sweep` (inline
 * inputs of ended jobs) at start and then every `inputSweepMs`. A sweep that fails is logged and
 * the next one tries again; one never overlaps the previous.
 */
@Injectable()
export class ArtifactSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly timers: NodeJS.Timeout[] = [];
  private running?: Promise<void>;
  private inputs?: Promise<void>;

  constructor(
    @InjectPinoLogger(ArtifactSweeper.name) private readonly log: PinoLogger,
    private readonly library: ArtifactLibrary,
    private readonly inputSweeper: InputSweeper,
    private readonly ledger: StorageLedger,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.sweep();
    const sweepInputs = () => {
      this.inputs ??= this.sweepInputs().finally(() => (this.inputs = undefined));
    };
    sweepInputs();
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
    await Promise.all([this.running, this.inputs]);
    this.ledger.stop();
  }

  private async sweep(): Promise<void> {
    try {
      const swept = await this.library.sweep();
      if (swept.uploads > 0 || swept.orphans > 0) this.log.info(swept, 'deleted expired uploads and orphaned artifact objects');
    } catch (error) {
      this.log.warn({ err: error }, 'artifact sweep failed; the next one tries again');
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
