import { status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { boundedMessage, type ErrorCode, ErrorCodes } from '@gpulab/contracts';

/** An error meant for the caller: its message is what the student reads. */
export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
}

const GRPC_STATUS: Record<ErrorCode, status> = {
  [ErrorCodes.invalidArgument]: status.INVALID_ARGUMENT,
  [ErrorCodes.notFound]: status.NOT_FOUND,
  [ErrorCodes.permissionDenied]: status.PERMISSION_DENIED,
  [ErrorCodes.unauthenticated]: status.UNAUTHENTICATED,
  [ErrorCodes.failedPrecondition]: status.FAILED_PRECONDITION,
  [ErrorCodes.alreadyExists]: status.ALREADY_EXISTS,
  [ErrorCodes.resourceExhausted]: status.RESOURCE_EXHAUSTED,
  [ErrorCodes.unavailable]: status.UNAVAILABLE,
  [ErrorCodes.internal]: status.INTERNAL,
};

/**
 * The one place where our error codes become gRPC status codes. The message is bounded here
 * whatever made it: a status rides in an HTTP/2 trailer, and one too big for the client's header
 * limits never arrives, so the client would wait for an answer the gateway had already sent.
 */
export function toServiceError(error: unknown): Partial<ServiceError> {
  if (error instanceof GatewayError) {
    return { code: GRPC_STATUS[error.code], details: boundedMessage(error.message), metadata: new Metadata() };
  }
  return { code: status.INTERNAL, details: 'the gateway failed to handle the request; the error is in its log', metadata: new Metadata() };
}
