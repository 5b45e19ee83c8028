import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type sendUnaryData, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream } from '@grpc/grpc-js';
import { type Caller } from '@gpulab/contracts';
import { GatewayError, toServiceError } from './errors';
import { OpenCallGuard } from './open-call-guard';
import { TokenAuthenticator } from './token-authenticator';

/**
 * Wraps a handler: authenticate, run, log one line, map errors to gRPC status. Streaming calls
 * run under an OpenCallGuard, so they end when their token is revoked; their handlers get its
 * signal, which also aborts when the client goes away.
 */
@Injectable()
export class RpcHandler {
  private readonly guard: OpenCallGuard;

  constructor(
    @InjectPinoLogger('rpc') private readonly log: PinoLogger,
    private readonly auth: TokenAuthenticator,
  ) {
    this.guard = new OpenCallGuard(auth);
  }

  unary<Req, Res>(rpc: string, handle: (caller: Caller, request: Req) => Promise<Res>) {
    return (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      void (async () => {
        try {
          const caller = await this.auth.authenticate(call.metadata);
          const response = await handle(caller, call.request);
          this.log.info({ rpc, team: caller.team, role: caller.role, ms: Math.round(performance.now() - started) }, 'rpc');
          callback(null, response);
        } catch (error) {
          this.failed(rpc, error, started);
          callback(toServiceError(error));
        }
      })();
    };
  }

  /** A client-streaming handler: the same, with the call to read the stream from. */
  clientStream<Req, Res>(rpc: string, handle: (caller: Caller, call: ServerReadableStream<Req, Res>, signal: AbortSignal) => Promise<Res>) {
    return (call: ServerReadableStream<Req, Res>, callback: sendUnaryData<Res>) => {
      const started = performance.now();
      void (async () => {
        try {
          const caller = await this.auth.authenticate(call.metadata);
          const response = await this.guard.run(call.metadata, call, (signal) => handle(caller, call, signal));
          this.log.info({ rpc, team: caller.team, role: caller.role, ms: Math.round(performance.now() - started) }, 'rpc');
          callback(null, response);
        } catch (error) {
          // A client that breaks its stream is expected (the upload resumes): not an error here.
          if (call.cancelled || (error as { code?: unknown }).code === 'ERR_STREAM_PREMATURE_CLOSE') {
            this.log.info({ rpc, ms: Math.round(performance.now() - started) }, 'rpc cancelled by the client');
            return;
          }
          this.failed(rpc, error, started);
          callback(toServiceError(error));
        }
      })();
    };
  }

  /** A server-streaming handler: it writes its messages; the stream ends when it returns. */
  serverStream<Req, Res>(rpc: string, handle: (caller: Caller, call: ServerWritableStream<Req, Res>, signal: AbortSignal) => Promise<Record<string, unknown> | void>) {
    return (call: ServerWritableStream<Req, Res>) => {
      const started = performance.now();
      void (async () => {
        try {
          const caller = await this.auth.authenticate(call.metadata);
          const fields = await this.guard.run(call.metadata, call, (signal) => handle(caller, call, signal));
          this.log.info({ rpc, team: caller.team, role: caller.role, ...fields, ms: Math.round(performance.now() - started) }, 'rpc');
          call.end();
        } catch (error) {
          this.failed(rpc, error, started);
          // grpc-js turns an 'error' event into the call's status; destroy() would end the call without one.
          call.emit('error', toServiceError(error));
        }
      })();
    };
  }

  failed(rpc: string, error: unknown, started: number): void {
    const ms = Math.round(performance.now() - started);
    if (error instanceof GatewayError) this.log.info({ rpc, code: error.code, ms, reason: error.message }, 'rpc refused');
    else this.log.error({ rpc, err: error, ms }, 'rpc failed');
  }
}
