/**
 * How `gpulab` ends, as the README promises: 0 success, 1 the job failed or was cancelled, 2 the
 * request was refused (by the gateway, or as a usage error before it was sent).
 */
export const EXIT_CODES = { ok: 0, jobFailed: 1, refused: 2 } as const;
