/** A command line the CLI refuses before asking the gateway; it exits as a refusal does. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
