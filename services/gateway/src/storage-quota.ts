import { ArtifactKeys, ErrorCodes, ErrorReasons, storageUsedBytes, type StorageUsageView } from '@gpulab/contracts';
import { type ArtifactStore } from './artifact-store';
import { type ArtifactSweeper } from './artifact-sweeper';
import { type Clock, systemClock } from './clock';
import { mb } from './byte-sizes';
import { GatewayError } from './errors';
import { KeyedLock } from './keyed-lock';
import { recordKey, type StorageIndex } from '@gpulab/platform';

export interface StorageQuotaOptions {
  /**
   * Bytes a team may store: artifacts, the declared sizes of its uploads in progress, its jobs'
   * inline inputs and what its jobs wrote.
   */
  teamStorageBytes: number;
  /** Each team's storage, kept up to date; the same one the store notes its writes in. */
  ledger: StorageIndex;
}

/** How a free-space check is asked. */
export interface RoomCheck {
  /** An upload whose declared size is not counted: the one being finished into an artifact. */
  exceptUpload?: string;
  /** Runs before the refusal is thrown: deletes what the refused request left. */
  onRefused?: () => Promise<void>;
}


/**
 * Each team's storage and whether more fits in it. Usage is read from the ledger, never by
 * listing; the checks that are followed by a write run under the team's lock, so two requests
 * cannot both pass with room for one.
 */
export class StorageQuota {
  private readonly teamLock = new KeyedLock();

  constructor(
    private readonly store: ArtifactStore,
    private readonly sweeper: ArtifactSweeper,
    private readonly options: StorageQuotaOptions,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * One team's storage from the ledger (but `exceptUpload`'s declared size): no listing, only
   * the team's uploads that look expired are read, to delete them first.
   */
  async usage(team: string, exceptUpload?: string): Promise<StorageUsageView> {
    const { ledger } = this.options;
    for (const id of ledger.expiredUploads(team, this.clock.now())) {
      const found = await this.store.getUpload(id);
      if (found) await this.sweeper.expiredAndDeleted(found.record);
      else ledger.removed(recordKey(ArtifactKeys.upload(id)));
    }
    return ledger.usage(team, this.options.teamStorageBytes, exceptUpload === undefined ? undefined : recordKey(ArtifactKeys.upload(exceptUpload)));
  }

  /** Teams that store anything. */
  teams(): string[] {
    return this.options.ledger.teams();
  }

  /**
   * Runs `store` when `bytes` more fit the team's free space, under the team's lock, so two
   * requests cannot both pass with room for one; otherwise RESOURCE_EXHAUSTED saying `need`.
   */
  async withRoom<T>(team: string, bytes: number, need: string, store: () => Promise<T>, check: RoomCheck = {}): Promise<T> {
    return this.teamLock.run(team, async () => {
      await this.ensureRoom(team, bytes, need, check);
      return store();
    });
  }

  /**
   * RESOURCE_EXHAUSTED saying `need` when `bytes` more would not fit the team's free space;
   * without the lock, for a check that stores nothing yet (the size a matrix will have, asked
   * before it is made).
   */
  async ensureRoom(team: string, bytes: number, need: string, check: RoomCheck = {}): Promise<void> {
    const usage = await this.usage(team, check.exceptUpload);
    if (storageUsedBytes(usage) + bytes <= usage.limitBytes) return;
    await check.onRefused?.();
    throw overLimit(usage, need);
  }
}

function overLimit(usage: StorageUsageView, need: string): GatewayError {
  const used = storageUsedBytes(usage);
  const parts = [
    [usage.artifactBytes, 'artifacts'],
    [usage.uploadBytes, 'uploads in progress'],
    [usage.jobInputBytes, "inputs of jobs that have not ended"],
    [usage.jobOutputBytes, 'job results and files'],
  ] as const;
  const shown = parts.filter(([bytes]) => bytes > 0).map(([bytes, what]) => `${mb(bytes)} ${what}`);
  const uploading = shown.length > 0 ? ` (${shown.join(', ')})` : '';
  return new GatewayError(
    ErrorCodes.resourceExhausted,
    `team ${usage.team} has used ${mb(used)}${uploading} of its ${mb(usage.limitBytes)} storage, and ${need}. ` +
      'Free space by deleting artifacts or unfinished uploads you no longer need: "gpulab artifacts" lists them, "gpulab artifacts rm ID" deletes one; ' +
      '"gpulab outputs rm JOB" deletes an ended job\'s result and files',
    { reason: ErrorReasons.storageFull, metadata: { team: usage.team } },
  );
}
