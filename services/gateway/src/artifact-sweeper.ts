import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { ArtifactLibrary } from './artifact-library';

/** How often expired uploads and orphaned artifact objects are looked for, besides at start. */
const SWEEP_INTERVAL_MS = 3600_000;

/** Runs `ArtifactLibrary.sweep` at start and then every hour. */
@Injectable()
export class ArtifactSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    @InjectPinoLogger(ArtifactSweeper.name) private readonly log: PinoLogger,
    private readonly library: ArtifactLibrary,
  ) {}

  onApplicationBootstrap(): void {
    this.running = this.sweep();
    this.timer = setInterval(() => {
      this.running = this.sweep();
    }, SWEEP_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async sweep(): Promise<void> {
    try {
      const swept = await this.library.sweep();
      if (swept.uploads > 0 || swept.orphans > 0) this.log.info(swept, 'deleted expired uploads and orphaned artifact objects');
    } catch (error) {
      this.log.warn({ err: error }, 'artifact sweep failed; the next one tries again');
    }
  }
}
