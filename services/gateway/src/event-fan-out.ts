/** A reader that fell more than the fan-out keeps behind the newest event. */
export class FellBehindError extends Error {}

/**
 * One source of events read by many: the events are kept once, and each reader is a position in
 * them, so a thousand readers of one job cost one copy of its history. New readers start from the
 * first event while it is still kept. At most `maxKept` events are kept: past that, the events all
 * readers have passed are dropped (a new reader then needs a fresh fan-out, `replaysAll` says so),
 * and a reader still `maxKept` behind the newest event is dropped with `FellBehindError`, so one
 * slow reader never holds memory for everyone.
 */
export class EventFanOut<T> {
  private kept: T[] = [];
  /** Position of `kept[0]` among all events appended. */
  private base = 0;
  private readonly positions = new Map<symbol, number>();
  private readonly behind = new Set<symbol>();
  private endedWith?: { error?: Error };
  private wake: () => void = () => {};
  private changed = this.nextChange();
  private markEnded: () => void = () => {};
  /** Resolves once `end` was called. */
  readonly whenEnded = new Promise<void>((resolve) => (this.markEnded = resolve));

  constructor(private readonly maxKept: number) {}

  /** Whether a new reader would see every event from the first. */
  get replaysAll(): boolean {
    return this.base === 0;
  }

  get readers(): number {
    return this.positions.size;
  }

  get ended(): boolean {
    return this.endedWith !== undefined;
  }

  append(event: T): void {
    if (this.endedWith) return;
    this.kept.push(event);
    if (this.kept.length > this.maxKept) this.trim();
    this.signal();
  }

  /** No more events: readers finish once they have read the kept ones (or get `error`). */
  end(error?: Error): void {
    if (this.endedWith) return;
    this.endedWith = { error };
    this.markEnded();
    this.signal();
  }

  /** The events from the first one kept, then live ones until `end` or `signal` aborts. */
  async *read(signal: AbortSignal): AsyncGenerator<T> {
    const id = Symbol('reader');
    this.positions.set(id, this.base);
    const aborted = new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      for (;;) {
        if (this.behind.has(id)) throw new FellBehindError(`fell more than ${this.maxKept} events behind`);
        const at = this.positions.get(id) ?? this.base;
        if (at < this.base + this.kept.length) {
          this.positions.set(id, at + 1);
          yield this.kept[at - this.base];
          continue;
        }
        if (this.endedWith) {
          if (this.endedWith.error) throw this.endedWith.error;
          return;
        }
        if (signal.aborted) return;
        await Promise.race([this.changed, aborted]);
        if (signal.aborted) return;
      }
    } finally {
      this.positions.delete(id);
      this.behind.delete(id);
    }
  }

  /** Drops what every reader has read, and readers too far behind to keep. */
  private trim(): void {
    const head = this.base + this.kept.length;
    for (const [id, at] of this.positions) {
      if (head - at > this.maxKept) {
        this.behind.add(id);
        this.positions.set(id, head);
      }
    }
    const oldest = Math.min(head, ...this.positions.values());
    if (oldest > this.base) {
      this.kept = this.kept.slice(oldest - this.base);
      this.base = oldest;
    }
  }

  private signal(): void {
    this.wake();
    this.changed = this.nextChange();
  }

  private nextChange(): Promise<void> {
    return new Promise<void>((resolve) => (this.wake = resolve));
  }
}
