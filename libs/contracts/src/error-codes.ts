import { type ErrorMetadata, type ErrorReason } from './error-reasons';

/**
 * Error codes that cross a process boundary (scheduler replies, worker reports). The gateway
 * maps them to gRPC status codes in one place.
 */
export const ErrorCodes = {
  invalidArgument: 'INVALID_ARGUMENT',
  notFound: 'NOT_FOUND',
  permissionDenied: 'PERMISSION_DENIED',
  unauthenticated: 'UNAUTHENTICATED',
  failedPrecondition: 'FAILED_PRECONDITION',
  alreadyExists: 'ALREADY_EXISTS',
  resourceExhausted: 'RESOURCE_EXHAUSTED',
  unavailable: 'UNAVAILABLE',
  internal: 'INTERNAL',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** Which rule refused (see `ErrorReasons`); absent from older schedulers. */
  reason?: ErrorReason;
  /** The refusal's subject, e.g. `{ team, slot }`. */
  metadata?: ErrorMetadata;
}
