/**
 * A failure that another attempt may cure: the scheduler requeues the job within its attempt
 * budget (`maxAttempts`) instead of failing it. The test kind `flaky` throws it; a kind that
 * meets a passing outage of something it needs throws it too.
 */
export class TransientJobError extends Error {
  readonly retryable = true;
  readonly code = 'TRANSIENT';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TransientJobError';
  }
}
