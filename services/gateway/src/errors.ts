import { status, type ServiceError, Metadata } from '@grpc/grpc-js';
import { boundedMessage, defaultReason, encodeErrorStatus, type ErrorCode, ErrorCodes, type ErrorMetadata, type ErrorReason, ErrorReasons, STATUS_DETAILS_KEY } from '@gpulab/contracts';
import { isTransientNatsError } from '@gpulab/platform';

/**
 * An error meant for the caller: its message is what the student reads, its reason (one of
 * `ErrorReasons`, the code's default when not given) what a script branches on.
 */
export class GatewayError extends Error {
  readonly reason: ErrorReason;
  readonly metadata: ErrorMetadata;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown; reason?: ErrorReason; metadata?: ErrorMetadata },
  ) {
    super(message, options);
    this.name = 'GatewayError';
    this.reason = options?.reason ?? defaultReason(code);
    this.metadata = options?.metadata ?? {};
  }
}

/** A request the caller must fix: INVALID_ARGUMENT with the code's default reason. */
export function invalid(message: string): GatewayError {
  return new GatewayError(ErrorCodes.invalidArgument, message);
}

/** The refusal of a member token without a team, wherever the gateway needs the caller's team. */
export function noTeam(): GatewayError {
  return invalid('your token has no team');
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
  if (error instanceof GatewayError) return refusal(GRPC_STATUS[error.code], error.message, error.reason, error.metadata);
  if (isStoreOutage(error)) {
    return refusal(status.UNAVAILABLE, 'the gateway cannot reach its store (NATS) just now; try again in a moment', ErrorReasons.unavailable);
  }
  return refusal(status.INTERNAL, 'the gateway failed to handle the request; the error is in its log', ErrorReasons.internal);
}

/**
 * A status with its reason as `google.rpc.ErrorInfo` in grpc-status-details-bin (AIP-193), the
 * trailer every gRPC client library knows how to read; the message stays the status's details.
 */
function refusal(code: status, message: string, reason: ErrorReason, metadata?: ErrorMetadata): Partial<ServiceError> {
  const details = boundedMessage(message);
  const trailer = new Metadata();
  trailer.set(STATUS_DETAILS_KEY, encodeErrorStatus({ code, message: details, reason, metadata }));
  return { code, details, metadata: trailer };
}

/** What the NATS client throws while nats-server restarts or is out of reach. */
const OUTAGE_ERRORS = new Set(['ConnectionError', 'ClosedConnectionError', 'DrainingConnectionError', 'TimeoutError', 'NoRespondersError', 'RequestError']);

/**
 * True for an error of the store being out of reach (nats-server restarting, JetStream not
 * answering), anywhere in the cause chain: that is UNAVAILABLE, which clients retry, not INTERNAL.
 */
export function isStoreOutage(error: unknown, depth = 0): boolean {
  if (!(error instanceof Error) || depth > 5) return false;
  if (OUTAGE_ERRORS.has(error.name) || isTransientNatsError(error)) return true;
  // JetStream answers 503 while it has no leader or is starting (`isTransientNatsError` knows
  // the API errors' own codes for it).
  if ((error as { code?: unknown }).code === 503) return true;
  return isStoreOutage((error as { cause?: unknown }).cause, depth + 1);
}
