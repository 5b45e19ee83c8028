import { Injectable } from '@nestjs/common';

/**
 * Runs state-changing work one piece at a time: commands, reports, exits and timers all pass
 * through here, so each decision sees a state nothing else is changing.
 */
@Injectable()
export class SerialExecutor {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
