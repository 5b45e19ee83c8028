import { type JobRecord, workerPermissions } from '@gpulab/contracts';
import { mintUserCreds, type WorkerSigner } from '@gpulab/platform';

/** How long an attempt's credentials are good for: longer than any slot (3 days), with room to spare. */
export const WORKER_CREDENTIALS_TTL_S = 7 * 24 * 3600;

/** Caps on one worker connection: enough for its reports and data parts, not for a flood. */
const WORKER_LIMITS = { subs: 64, payload: 1024 * 1024 };

/**
 * Mints the NATS user of one job attempt: it may publish only that attempt's events, beats and
 * data requests and hear only its own inbox (`workerPermissions`), so a worker, or the code it
 * runs, cannot act for another job, another attempt or the scheduler.
 */
export class WorkerCredentials {
  constructor(
    private readonly signer: WorkerSigner,
    private readonly nowMs: () => number = Date.now,
  ) {}

  mint(job: JobRecord): Promise<string> {
    return mintUserCreds({
      signerSeed: this.signer.signerSeed,
      accountPublicKey: this.signer.accountPublicKey,
      name: `worker-${job.id}-${job.attempt}`,
      permissions: workerPermissions(job.id, job.attempt),
      expiresAt: Math.floor(this.nowMs() / 1000) + WORKER_CREDENTIALS_TTL_S,
      limits: WORKER_LIMITS,
    });
  }
}
