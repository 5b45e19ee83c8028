import { Inject, Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type Metadata, type sendUnaryData, status, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { boundedMessage, type Caller, ErrorCodes, ErrorReasons } from '@gpulab/contracts';
import { type GatewayConfig } from './config';
import { GatewayError, toServiceError } from './errors';
import { GatewayMetrics, type RpcDone } from './gateway-metrics';
import { OpenCallGuard } from './open-call-guard';
import { OpenStreamCounter, peerAddress, RateLimiter } from './rate-limiter';
import { COUNTED_STREAMS, limitGroupOf } from './rpc-limits';
import { TokenAuthenticator } from './token-authenticator';
import { GATEWAY_CONFIG } from './tokens';

/** What a call offers for authentication: its metadata and where it came from. */
interface IncomingCall {
  metadata: Metadata;
  getPeer(): string;
}

/** A refusal's reason in the log: enough to see what was wrong, never a whole echoed input. */
const LOGGED_REASON_CHARS = 300;

/**
 * Wraps a handler: authenticate, take one call from the caller's rate limit, run, log one line,
 * map errors to gRPC status. Every RPC passes here, so the limits hold for all of them. Streaming calls
 * run under an OpenCallGuard, so they end when their token is revoked; their handlers get its
 * signal, which also aborts when the client goes away.
 */
@Injectable()
export class RpcHandler {
  private readonly guard: OpenCallGuard;
  private readonly limiter: RateLimiter;
  private readonly streams: OpenStreamCounter;

  constructor(
    @InjectPinoLogger('rpc') private readonly log: PinoLogger,
    private readonly auth: TokenAuthenticator,
    private readonly metrics: GatewayMetrics,
    @Inject(GATEWAY_CONFIG) config: Pick<GatewayConfig, 'rateLimits' | 'maxOpenStreamsPerToken'>,
  ) {
    this.guard = new OpenCallGuard(auth);
    this.limiter = new RateLimiter(config.rateLimits);
    this.streams = new OpenStreamCounter(config.maxOpenStreamsPerToken);
  }

  unary<Req, Res>(rpc: string, handle: (caller: Caller, request: Req) => Promise<Res>) {
    limitGroupOf(rpc);
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      const done = this.metrics.started(rpc);
      void (async () => {
        try {
          const caller = await this.authenticate(rpc, call);
          const response = await handle(caller, call.request);
          this.log.info({ rpc, team: caller.team, role: caller.role, ms: Math.round(performance.now() - started) }, 'rpc');
          done(status.OK);
          callback(null, response);
        } catch (error) {
          this.failed(rpc, error, started);
          callback(this.refusal(error, done));
        }
      })();
    };
  }

  /** A client-streaming handler: the same, with the call to read the stream from. */
  clientStream<Req, Res>(rpc: string, handle: (caller: Caller, call: ServerReadableStream<Req, Res>, signal: AbortSignal) => Promise<Res>) {
    limitGroupOf(rpc);
    return (call: ServerReadableStream<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      const done = this.metrics.started(rpc);
      void (async () => {
        try {
          const caller = await this.authenticate(rpc, call);
          const response = await this.guard.run(call.metadata, call, (signal) => handle(caller, call, signal));
          this.log.info({ rpc, team: caller.team, role: caller.role, ms: Math.round(performance.now() - started) }, 'rpc');
          done(status.OK);
          callback(null, response);
        } catch (error) {
          // A client that breaks its stream is expected (the upload resumes): not an error here.
          if (call.cancelled || (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') {
            this.log.info({ rpc, ms: Math.round(performance.now() - started) }, 'rpc cancelled by the client');
            done(status.CANCELLED);
            return;
          }
          this.failed(rpc, error, started);
          callback(this.refusal(error, done));
        }
      })();
    };
  }

  /** A server-streaming handler: it writes its messages; the stream ends when it returns. */
  serverStream<Req, Res>(rpc: string, handle: (caller: Caller, call: ServerWritableStream<Req, Res>, signal: AbortSignal) => Promise<Record<string, unknown> | void>) {
    limitGroupOf(rpc);
    return (call: ServerWritableStream<Req, Res>) => {
      const started = performance.now();
      const done = this.metrics.started(rpc);
      void (async () => {
        try {
          const caller = await this.authenticate(rpc, call);
          const fields = await this.counted(rpc, caller, () => this.guard.run(call.metadata, call, (signal) => handle(caller, call, signal)));
          this.log.info({ rpc, team: caller.team, role: caller.role, ...fields, ms: Math.round(performance.now() - started) }, 'rpc');
          done(call.cancelled ? status.CANCELLED : status.OK);
          call.end();
        } catch (error) {
          this.failed(rpc, error, started);
          // grpc-js turns an 'error' event into the call's status; destroy() would end the call without one.
          call.emit('error', this.refusal(error, done));
        }
      })();
    };
  }

  /** The caller, once its token is valid and its rate limit has room for this call. */
  private async authenticate(rpc: string, call: IncomingCall): Promise<Caller> {
    const caller = await this.authenticated(call);
    const group = limitGroupOf(rpc);
    const admission = this.limiter.take(callerKey(caller), group, performance.now());
    if (!admission.ok) {
      this.metrics.rateLimited(group);
      throw new GatewayError(ErrorCodes.resourceExhausted, admission.message, { reason: ErrorReasons.rateLimited, metadata: { group, retryAfterMs: String(Math.ceil(admission.retryAfterMs)) } });
    }
    return caller;
  }

  /**
   * The caller of a call's token. Calls without a valid token take from their address's bucket,
   * which no per-token bucket can do for them; once it is empty, that address's calls are
   * answered RESOURCE_EXHAUSTED without a token lookup, except those whose token is known
   * without one (so a member behind the same address as a flood still gets in).
   */
  private async authenticated(call: IncomingCall): Promise<Caller> {
    const peer = peerAddress(call.getPeer());
    const now = performance.now();
    const room = this.limiter.peek(peer, 'unauthenticated', now);
    if (!room.ok) {
      const known = this.auth.knownCaller(call.metadata);
      if (known) return known;
      this.metrics.rateLimited('unauthenticated');
      throw new GatewayError(ErrorCodes.resourceExhausted, room.message, { reason: ErrorReasons.rateLimited, metadata: { group: 'unauthenticated' } });
    }
    try {
      return await this.auth.authenticate(call.metadata);
    } catch (error) {
      if (error instanceof GatewayError && (error.code === ErrorCodes.unauthenticated || error.code === ErrorCodes.permissionDenied)) {
        const admission = this.limiter.take(peer, 'unauthenticated', now);
        if (!admission.ok) {
          this.metrics.rateLimited('unauthenticated');
          throw new GatewayError(ErrorCodes.resourceExhausted, admission.message, { reason: ErrorReasons.rateLimited, metadata: { group: 'unauthenticated' } });
        }
      }
      throw error;
    }
  }

  /** Runs a stream that counts against its caller's open streams, refused when they are all taken. */
  private async counted<T>(rpc: string, caller: Caller, work: () => Promise<T>): Promise<T> {
    if (!COUNTED_STREAMS.has(rpc)) return work();
    const key = callerKey(caller);
    if (!this.streams.tryOpen(key)) {
      throw new GatewayError(
        ErrorCodes.resourceExhausted,
        `this token has ${this.streams.maxPerKey} ${rpc} streams open, the most one token may have; end one (e.g. a "gpulab watch") and try again`,
        { reason: ErrorReasons.tooManyStreams },
      );
    }
    try {
      return await work();
    } finally {
      this.streams.close(key);
    }
  }

  /** The status a failed call ends with, recorded as its end. */
  private refusal(error: unknown, done: RpcDone): ReturnType<typeof toServiceError> {
    const refused = toServiceError(error);
    done(refused.code ?? status.UNKNOWN);
    return refused;
  }

  failed(rpc: string, error: unknown, started: number): void {
    const ms = Math.round(performance.now() - started);
    if (error instanceof GatewayError) this.log.info({ rpc, code: error.code, ms, reason: boundedMessage(error.message, LOGGED_REASON_CHARS) }, 'rpc refused');
    else this.log.error({ rpc, err: loggableError(error), ms }, 'rpc failed');
  }
}

/**
 * Whose bucket a call takes from: the member (or tokens-file team, or tutor) its token stands
 * for. A rotated token keeps its member's bucket, so rotating does not reset a limit.
 */
function callerKey(caller: Caller): string {
  return `${caller.role}\u0000${caller.team ?? ''}\u0000${caller.name}`;
}

/** An unexpected error as pino would log it, with message and stack bounded: they may quote input. */
function loggableError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: boundedMessage(String(error), LOGGED_REASON_CHARS) };
  return { type: error.name, message: boundedMessage(error.message, LOGGED_REASON_CHARS), stack: boundedMessage(error.stack ?? '', 4 * LOGGED_REASON_CHARS) };
}
