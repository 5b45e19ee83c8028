export class SchedulingError extends Error {
  readonly retryable: boolean = false;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class InvalidTransitionError extends SchedulingError {
  constructor(
    readonly jobId: string,
    readonly from: string,
    readonly to: string,
  ) {
    super('INVALID_TRANSITION', `job ${jobId} cannot go from ${from} to ${to}`);
  }
}
