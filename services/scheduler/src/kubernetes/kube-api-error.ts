/**
 * A Kubernetes API call that did not succeed, with whether asking again may: a server that
 * cannot be reached, is overloaded (429) or failing (5xx) may answer later; a refusal (RBAC,
 * quota, an invalid object) will not.
 */
export class KubeApiError extends Error {
  override readonly name = 'KubeApiError';

  constructor(
    message: string,
    /** The HTTP status; absent when no answer came (refused, reset, timed out). */
    readonly status: number | undefined,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** The Kubernetes client's error (an `ApiException` or a network error) as one of ours. */
  static from(error: unknown, doing: string): KubeApiError {
    if (error instanceof KubeApiError) return error;
    const status = (error as { code?: unknown }).code;
    if (typeof status === 'number') {
      const retryable = status === 429 || status >= 500;
      return new KubeApiError(`${doing}: ${statusMessage((error as { body?: unknown }).body) ?? `HTTP ${status}`}`, status, retryable, { cause: error });
    }
    return new KubeApiError(`${doing}: the API server could not be reached (${(error as Error).message})`, undefined, true, { cause: error });
  }
}

/** The `message` of a Kubernetes `Status` body, which the client hands over as text or parsed. */
function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body === '' ? undefined : body;
    }
  }
  const message = (parsed as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}
