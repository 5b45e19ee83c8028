import { ArtifactCatalogue, type ArtifactReaders } from './artifact-catalogue';
import { type ArtifactStore } from './artifact-store';
import { ArtifactSweeper } from './artifact-sweeper';
import { type Clock, systemClock } from './clock';
import { FinishProgressBoard } from './finish-progress';
import { HeavyWorkGate } from './heavy-work-gate';
import { randomBase32, type RandomId } from './random-id';
import { StorageQuota, type StorageQuotaOptions } from './storage-quota';
import { UploadFinisher } from './upload-finisher';
import { type UploadParser } from './upload-parser';
import { UploadSession, type UploadSessionOptions } from './upload-session';

export interface ArtifactLibraryOptions extends StorageQuotaOptions, UploadSessionOptions {
  /** Admits finishing uploads a few at a time. @default 2 at once, 16 waiting */
  gate?: HeavyWorkGate;
  /** Where each FinishUpload under way is (GetUploadProgress). @default a board on the library's clock */
  progress?: FinishProgressBoard;
}

/**
 * Uploads and artifacts on one store, in their pieces: the upload protocol (`uploads`), its
 * finish into an artifact (`finisher`), the artifacts (`catalogue`), each team's storage
 * (`quota`) and the deletion of what was abandoned (`sweeper`). It only builds them, on one
 * clock and one store, so that every piece sees the same uploads expire at the same moment.
 */
export class ArtifactLibrary {
  readonly sweeper: ArtifactSweeper;
  readonly quota: StorageQuota;
  readonly uploads: UploadSession;
  readonly finisher: UploadFinisher;
  readonly catalogue: ArtifactCatalogue;

  constructor(store: ArtifactStore, parse: UploadParser, readers: ArtifactReaders, options: ArtifactLibraryOptions, clock: Clock = systemClock, randomId: RandomId = randomBase32) {
    this.sweeper = new ArtifactSweeper(store, clock);
    this.quota = new StorageQuota(store, this.sweeper, options, clock);
    this.uploads = new UploadSession(store, this.quota, this.sweeper, options, clock, randomId);
    const gate = options.gate ?? new HeavyWorkGate({ concurrency: 2, maxWaiting: 16 });
    this.finisher = new UploadFinisher(store, this.uploads, this.quota, parse, gate, options.progress ?? new FinishProgressBoard(clock), clock);
    this.catalogue = new ArtifactCatalogue(store, this.quota, this.sweeper, readers);
  }
}
