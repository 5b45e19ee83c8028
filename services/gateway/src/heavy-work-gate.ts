import { ErrorCodes, ErrorReasons } from '@gpulab/contracts';
import { GatewayError } from './errors';

export interface HeavyWorkGateOptions {
  /** How many heavy requests run at once. */
  concurrency: number;
  /** How many more may wait for a turn; beyond that a request is refused at once. */
  maxWaiting: number;
  /** The refusal's sentence once the waiting line is full: what the gateway is busy with. @default inline CSV inputs and uploads */
  busy?: (running: number, waiting: number) => string;
}

const HEAVY_READS_BUSY = (running: number, waiting: number) =>
  `the gateway is busy reading ${running} large files (inline CSV inputs and uploads being finished) and ${waiting} more are waiting; try again in a minute`;

interface Waiter {
  team: string;
  start: () => void;
}

/**
 * Admits the requests that hold a whole data set in memory (an inline CSV, finishing an upload)
 * a few at a time, so that the gateway's memory and CPU stay bounded and every other call keeps
 * answering. Light calls never pass here. A freed turn goes to the waiting request whose team
 * runs the fewest heavy requests, and among those to the team served longest ago (then the
 * longest waiting), so one team's burst of uploads does not keep another team's single one
 * waiting behind it.
 */
export class HeavyWorkGate {
  private readonly running = new Map<string, number>();
  private active = 0;
  /** When each team last got a turn, by a counter. */
  private readonly served = new Map<string, number>();
  private turns = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly options: HeavyWorkGateOptions) {}

  /** Heavy requests running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.active, waiting: this.waiting.length };
  }

  async run<T>(team: string, work: () => Promise<T>): Promise<T> {
    await this.turn(team);
    try {
      return await work();
    } finally {
      this.release(team);
    }
  }

  private turn(team: string): Promise<void> {
    if (this.active < this.options.concurrency) {
      this.take(team);
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.maxWaiting) {
      throw new GatewayError(ErrorCodes.resourceExhausted, (this.options.busy ?? HEAVY_READS_BUSY)(this.active, this.waiting.length), { reason: ErrorReasons.busy });
    }
    return new Promise((resolve) => this.waiting.push({ team, start: resolve }));
  }

  private take(team: string): void {
    this.active++;
    this.served.set(team, this.turns++);
    this.running.set(team, (this.running.get(team) ?? 0) + 1);
  }

  private release(team: string): void {
    this.active--;
    const left = (this.running.get(team) ?? 1) - 1;
    if (left > 0) this.running.set(team, left);
    else this.running.delete(team);
    if (this.waiting.length === 0) return;
    const rank = (w: Waiter) => [this.running.get(w.team) ?? 0, this.served.get(w.team) ?? -1];
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const [running, served] = rank(this.waiting[i]);
      const [bestRunning, bestServed] = rank(this.waiting[best]);
      if (running < bestRunning || (running === bestRunning && served < bestServed)) best = i;
    }
    const [next] = this.waiting.splice(best, 1);
    this.take(next.team);
    next.start();
  }
}
