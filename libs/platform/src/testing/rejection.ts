/** Resolves to the error an operation fails with, or undefined when it succeeds. */
export async function failure(operation: () => Promise<unknown>): Promise<Error | undefined> {
  try {
    await operation();
    return undefined;
  } catch (error) {
    return error as Error;
  }
}
