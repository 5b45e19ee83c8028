import { status, type ServiceError } from '@grpc/grpc-js';

/** A call the server refused or could not answer; `code` is the gRPC status name. */
export class GpulabError extends Error {
  constructor(
    readonly code: string,
    readonly grpcCode: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GpulabError';
  }

  /** Only a server that could not be reached is worth another try; refusals are final. */
  get retryable(): boolean {
    return this.grpcCode === status.UNAVAILABLE || this.grpcCode === status.DEADLINE_EXCEEDED;
  }

  /** `address` makes "cannot reach" messages say where the client looked. */
  static from(error: unknown, address?: string): GpulabError {
    if (error instanceof GpulabError) return error;
    const e = error as Partial<ServiceError>;
    if (typeof e?.code === 'number') {
      const name = status[e.code] ?? 'UNKNOWN';
      const unreachable = e.code === status.UNAVAILABLE && /ECONNREFUSED|No connection established|ENOTFOUND/.test(e.details ?? '');
      const message = unreachable
        ? `cannot reach the gateway${address ? ` at ${address}` : ''}: is it running (npm start)? Set GPULAB_ADDR to use another address`
        : (e.details ?? e.message ?? name);
      return new GpulabError(name, e.code, message, { cause: error });
    }
    return new GpulabError('UNKNOWN', status.UNKNOWN, error instanceof Error ? error.message : String(error), { cause: error });
  }
}
