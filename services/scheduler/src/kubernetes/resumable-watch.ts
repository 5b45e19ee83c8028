import type { KubernetesObject, Watch } from '@kubernetes/client-node';

/** What a list call returns: the items and the version to watch from. */
export interface ListResult<T> {
  items: T[];
  metadata?: { resourceVersion?: string };
}

export interface ResumableWatchOptions<T> {
  /** The collection's path, e.g. `/api/v1/namespaces/gpulab/pods`. */
  path: string;
  labelSelector?: string;
  list: () => Promise<ListResult<T>>;
  /** Every object after each (re-)list: those missing from it were deleted meanwhile. */
  onList: (items: T[]) => void;
  onEvent: (type: 'ADDED' | 'MODIFIED' | 'DELETED', object: T) => void;
  /** A list or watch that failed; it is tried again after `backoffMs`, doubled up to 30 s. */
  onError: (error: unknown) => void;
  backoffMs: number;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * A list-then-watch of one collection that survives drops: a watch that ends is resumed from
 * the last `resourceVersion` seen (bookmarks included), and one answered `410 Gone` (the version
 * was compacted away) lists again. The client's own informer neither asks for bookmarks nor
 * starts again after an error, and both matter on a watch that must run for a whole term.
 */
export class ResumableWatch<T extends KubernetesObject> {
  private resourceVersion = '';
  private request?: AbortController;
  private timer?: NodeJS.Timeout;
  private failures = 0;
  private closed = false;
  private openedAt = 0;

  constructor(
    private readonly watch: Watch,
    private readonly options: ResumableWatchOptions<T>,
  ) {}

  start(): void {
    this.closed = false;
    void this.run();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.request?.abort();
    this.request = undefined;
  }

  private async run(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.resourceVersion) {
        const list = await this.options.list();
        if (this.closed) return;
        this.resourceVersion = list.metadata?.resourceVersion ?? '';
        this.options.onList(list.items);
      }
      const query: Record<string, string | boolean> = { resourceVersion: this.resourceVersion, allowWatchBookmarks: true };
      if (this.options.labelSelector) query.labelSelector = this.options.labelSelector;
      this.openedAt = Date.now();
      this.request = await this.watch.watch(this.options.path, query, (type, object) => this.received(type, object), (error) => this.ended(error));
    } catch (error) {
      this.ended(error);
    }
  }

  private received(type: string, object: T & { code?: number }): void {
    if (type === 'ERROR') {
      if (object.code === 410) this.resourceVersion = '';
      return;
    }
    this.failures = 0;
    this.resourceVersion = object.metadata?.resourceVersion ?? this.resourceVersion;
    if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.options.onEvent(type, object);
  }

  private ended(error: unknown): void {
    this.request = undefined;
    if (this.closed) return;
    const status = (error as { statusCode?: number; code?: number } | null)?.statusCode ?? (error as { code?: number } | null)?.code;
    if (status === 410) this.resourceVersion = '';
    // A watch the server ends at once, again and again, would otherwise spin; one that ran a
    // while (the server's own timeout) resumes at once.
    const brief = Date.now() - this.openedAt < this.options.backoffMs;
    if ((!error && !brief) || status === 410) {
      void this.run();
      return;
    }
    if (!error) {
      this.retryLater();
      return;
    }
    this.options.onError(error);
    this.retryLater();
  }

  private retryLater(): void {
    const waitMs = Math.min(this.options.backoffMs * 2 ** this.failures, MAX_BACKOFF_MS);
    this.failures += 1;
    this.timer = setTimeout(() => void this.run(), waitMs);
    this.timer.unref();
  }
}
