import { type Clock } from '../clock';

/** A clock the test moves by hand, so a slot's end comes when the test says so. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}

  now(): Date {
    return new Date(this.ms);
  }

  set(iso: string): void {
    this.ms = Date.parse(iso);
  }
}
