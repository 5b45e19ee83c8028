import { ResponderBuilder, ServerInterceptingCall, type ServerInterceptor, ServerListenerBuilder, type ServiceDefinition, status } from '@grpc/grpc-js';

const UNREADABLE = Symbol('unreadable request');

interface Unreadable {
  [UNREADABLE]: string;
}

function isUnreadable(message: unknown): message is Unreadable {
  return typeof message === 'object' && message !== null && UNREADABLE in message;
}

/**
 * The service with request decoding that never throws: grpc-js answers a decoding failure with
 * INTERNAL, though it is always the caller's (a uint64 beyond 2^53, which the generated code
 * refuses, or bytes that are not the message). The failure travels on as a marked message, and
 * `unreadableRequests` answers it.
 */
export function tolerantService<S extends ServiceDefinition>(service: S): S {
  const out: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(service)) {
    out[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer) => {
        try {
          return method.requestDeserialize(bytes);
        } catch (error) {
          return { [UNREADABLE]: error instanceof Error ? error.message : String(error) } satisfies Unreadable;
        }
      },
    };
  }
  return out as S;
}

/** Answers a request that could not be decoded with INVALID_ARGUMENT, saying what was wrong in short. */
export const unreadableRequests: ServerInterceptor = (_method, call) =>
  new ServerInterceptingCall(
    call,
    new ResponderBuilder()
      .withStart((next) =>
        next(
          new ServerListenerBuilder()
            .withOnReceiveMessage((message, pass) => {
              if (!isUnreadable(message)) {
                pass(message);
                return;
              }
              const why = /MAX_SAFE_INTEGER/.test(message[UNREADABLE]) ? 'a number in it is larger than 2^53' : 'it is not a valid message of this call';
              call.sendStatus({ code: status.INVALID_ARGUMENT, details: `the request could not be read: ${why}` });
            })
            .build(),
        ),
      )
      .build(),
  );
