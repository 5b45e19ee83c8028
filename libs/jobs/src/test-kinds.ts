import type { JobKind } from '@gpulab/compute';
import { TransientJobError } from './errors';
import { compute } from './lazy-packages';

/**
 * Kinds that exercise the cluster, not the GPUs: only tutors may submit them (the gateway checks
 * {@link TestJobKind.tutorsOnly}), so a team's quota and queue never fill with them. Neither
 * loads TensorFlow.js or reads data, so a worker for one costs what starting a worker costs.
 */
export type TestJobKind<P = unknown> = JobKind<P> & { tutorsOnly: true };

/** Reports its start and a tiny result at once: what the system benchmark runs. */
export const noopKind: TestJobKind<Record<string, never>> = {
  name: 'noop',
  summary: 'ends at once with a tiny result (tutors only: for benchmarks and tests)',
  input: 'none',
  tutorsOnly: true,
  params: [],
  compile(params) {
    compute().rejectUnknownParams('noop', params, noopKind.params);
    return {};
  },
  record: () => ({}),
  run: async () => ({ result: { noop: true }, backend: 'cpu' }),
};

/** The most attempts `failAttempts` may name; any budget a course sets is far below. */
const MAX_FAIL_ATTEMPTS = 100;

/** flaky's parameters. */
export interface FlakyParams {
  /** Attempts that fail before one succeeds. */
  failAttempts: number;
}

/**
 * Fails with a transient error on its first `failAttempts` attempts (default 1), then succeeds:
 * shows a retry after a transient failure end to end.
 */
export const flakyKind: TestJobKind<FlakyParams> = {
  name: 'flaky',
  summary: 'fails transiently on its first failAttempts attempts (default 1), then succeeds (tutors only: for tests)',
  input: 'none',
  tutorsOnly: true,
  params: [{ name: 'failAttempts', type: 'integer', default: 1, min: 0, max: MAX_FAIL_ATTEMPTS, meaning: 'attempts that fail transiently before one succeeds' }],
  compile(params) {
    const { rejectUnknownParams, readInteger } = compute();
    rejectUnknownParams('flaky', params, flakyKind.params);
    return { failAttempts: readInteger(params, flakyKind.params[0]) };
  },
  record: (p) => ({ ...p }),
  async run({ attempt }, { failAttempts }) {
    const current = attempt ?? 1;
    if (current <= failAttempts) throw new TransientJobError(`flaky: attempt ${current} fails on purpose (failAttempts=${failAttempts})`);
    return { result: { attempt: current, failedAttempts: failAttempts }, backend: 'cpu' };
  },
};

export const testJobKinds: readonly TestJobKind[] = [noopKind, flakyKind];
