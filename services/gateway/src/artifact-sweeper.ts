import { type UploadRecord } from '@gpulab/contracts';
import { type ArtifactStore } from './artifact-store';
import { type Clock, systemClock } from './clock';
import { artifactIdOf } from './upload-declaration';

/** An artifact matrix object older than this without its record is left over from a crash. */
const ORPHAN_GRACE_MS = 3600_000;

/**
 * Deletes what nobody will finish: uploads that received nothing for the expiry time, with their
 * chunks, and artifact objects a crash left without their record. Expiry needs no timer to be
 * right: whatever reads uploads (a write, a finish, a listing, a limit check) drops the expired
 * ones it comes across; `sweep` only catches those nobody asks about.
 */
export class ArtifactSweeper {
  constructor(
    private readonly store: ArtifactStore,
    private readonly clock: Clock = systemClock,
  ) {}

  /**
   * Deletes expired uploads with their chunks, and artifact matrices that a crash left without
   * their record. Runs at start and every hour (`SweepSchedule`).
   */
  async sweep(): Promise<{ uploads: number; orphans: number }> {
    const before = (await this.store.listUploads()).length;
    const live = await this.liveUploads();
    let orphans = 0;
    const now = this.clock.now();
    for (const object of await this.store.listArtifactObjects()) {
      if (now - object.modifiedMs < ORPHAN_GRACE_MS || (await this.store.getArtifact(object.id))) continue;
      await this.store.deleteArtifactObject(object.id);
      orphans++;
    }
    return { uploads: before - live.length, orphans };
  }

  /** Every upload in progress, the expired ones deleted on the way. */
  async liveUploads(): Promise<UploadRecord[]> {
    const live: UploadRecord[] = [];
    for (const found of await this.store.listUploads()) {
      if (!(await this.expiredAndDeleted(found.record))) live.push(found.record);
    }
    return live;
  }

  /** Deletes an expired upload with its chunks (and a matrix a crashed finish may have left); false when it is alive. */
  async expiredAndDeleted(upload: UploadRecord): Promise<boolean> {
    if (Date.parse(upload.expiresAt) > this.clock.now()) return false;
    await this.store.deleteUpload(upload);
    const artifactId = artifactIdOf(upload.id);
    if (!(await this.store.getArtifact(artifactId)) && (await this.store.hasArtifactObject(artifactId))) {
      await this.store.deleteArtifactObject(artifactId);
    }
    return true;
  }
}
