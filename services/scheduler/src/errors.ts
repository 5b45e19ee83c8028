import { type ErrorCode, ErrorCodes } from '@gpulab/contracts';

/** An answer to a command that went wrong in a way the caller should hear about. */
export class CommandError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'CommandError';
  }
}

export const notFound = (jobId: string) => new CommandError(ErrorCodes.notFound, `job ${jobId} does not exist`);
export const otherTeam = (jobId: string) =>
  new CommandError(ErrorCodes.permissionDenied, `job ${jobId} belongs to another team`);
export const invalid = (message: string) => new CommandError(ErrorCodes.invalidArgument, message);
export const precondition = (message: string) => new CommandError(ErrorCodes.failedPrecondition, message);

/** KV refused a write because another writer got there first. */
export class RevisionConflictError extends Error {
  readonly retryable = true;
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`${key} was changed by someone else`, options);
    this.name = 'RevisionConflictError';
  }
}
