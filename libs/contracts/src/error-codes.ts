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
