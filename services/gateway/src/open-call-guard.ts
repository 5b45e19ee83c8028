import { type Metadata } from '@grpc/grpc-js';
import { ErrorCodes } from '@gpulab/contracts';
import { GatewayError } from './errors';
import { type TokenAuthenticator } from './token-authenticator';

/**
 * How often a long-lived call checks its token again. A check accepts a lookup up to
 * OPEN_CALL_LOOKUP_MS (token-authenticator.ts) old, so a revoked token ends its calls within about 4 s.
 */
export const OPEN_CALL_RECHECK_MS = 2000;

/** What a guarded call can be told: gRPC calls emit 'cancelled' when the client goes away. */
interface Cancellable {
  once(event: 'cancelled', listener: () => void): unknown;
}

/**
 * Keeps a long-lived call (a watch, a download, an upload stream) to the life of its token:
 * removing a member, rotating its token or the token expiring ends the call with
 * UNAUTHENTICATED instead of letting it run on with a token that no longer opens anything.
 */
export class OpenCallGuard {
  constructor(
    private readonly auth: TokenAuthenticator,
    private readonly intervalMs = OPEN_CALL_RECHECK_MS,
  ) {}

  /**
   * Runs `work` with a signal that aborts when the client goes away or the token stops working;
   * in the latter case the result is the token's refusal, even if `work` was still waiting.
   */
  async run<T>(metadata: Metadata, call: Cancellable, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    let refusal: GatewayError | undefined;
    let refuse: (error: GatewayError) => void = () => undefined;
    const refused = new Promise<never>((_, reject) => (refuse = reject));
    let checking = false;
    const timer = setInterval(() => {
      if (checking || refusal) return;
      checking = true;
      this.auth.recheck(metadata).then(
        () => (checking = false),
        (error: unknown) => {
          checking = false;
          // Only a refusal ends the call: KV out of reach for a moment must not cut every open watch.
          if (!(error instanceof GatewayError) || error.code !== ErrorCodes.unauthenticated || refusal) return;
          refusal = error;
          controller.abort(error);
          refuse(error);
        },
      );
    }, this.intervalMs);
    call.once('cancelled', () => controller.abort(new GatewayError(ErrorCodes.unavailable, 'the client went away')));
    try {
      const result = await Promise.race([work(controller.signal), refused]);
      if (refusal) throw refusal;
      return result;
    } finally {
      clearInterval(timer);
      if (!controller.signal.aborted) controller.abort(new GatewayError(ErrorCodes.unavailable, 'the call is over'));
    }
  }
}
