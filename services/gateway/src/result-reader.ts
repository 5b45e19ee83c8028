import { ErrorCodes, ErrorReasons } from '@gpulab/contracts';
import { readObject } from '@gpulab/platform';
import { type ObjectStore } from '@nats-io/obj';
import { GatewayError } from './errors';

/** Reads job results from the Object Store; results never change, so recent ones stay cached. */
export class ResultReader {
  private readonly cache = new Map<string, unknown>();

  constructor(
    private readonly artifacts: ObjectStore,
    private readonly cacheEntries = 32,
  ) {}

  /** Drops a result that was deleted, so that no read finds it here any more. */
  forget(name: string): void {
    this.cache.delete(name);
  }

  async read(name: string): Promise<unknown> {
    if (this.cache.has(name)) return this.cache.get(name);
    const bytes = await readObject(this.artifacts, name);
    if (!bytes) throw new GatewayError(ErrorCodes.notFound, `the result ${name} is no longer stored`, { reason: ErrorReasons.resultNotFound });
    const value: unknown = JSON.parse(Buffer.from(bytes).toString('utf8'));
    this.cache.set(name, value);
    if (this.cache.size > this.cacheEntries) this.cache.delete(this.cache.keys().next().value as string);
    return value;
  }
}
