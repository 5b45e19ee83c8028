import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { type Caller } from '@gpulab/contracts';
import { GatewayError, toServiceError } from './errors';
import { TokenAuthenticator } from './token-authenticator';

/** Wraps a unary handler: authenticate, run, log one line, map errors to gRPC status. */
@Injectable()
export class RpcHandler {
  constructor(
    @InjectPinoLogger('rpc') private readonly log: PinoLogger,
    private readonly auth: TokenAuthenticator,
  ) {}

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

  failed(rpc: string, error: unknown, started: number): void {
    const ms = Math.round(performance.now() - started);
    if (error instanceof GatewayError) this.log.info({ rpc, code: error.code, ms, reason: error.message }, 'rpc refused');
    else this.log.error({ rpc, err: error, ms }, 'rpc failed');
  }
}
