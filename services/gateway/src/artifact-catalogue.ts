import {
  ARTIFACT_ID_PATTERN,
  type ArtifactRecord,
  type Caller,
  canSee,
  ErrorCodes,
  ErrorReasons,
  type JobRecord,
  quoteInput,
  scopeTeam,
  type StorageUsageView,
  type UploadRecord,
} from '@gpulab/contracts';
import { type ArtifactStore } from './artifact-store';
import { type ArtifactSweeper } from './artifact-sweeper';
import { GatewayError, invalid, noTeam } from './errors';
import { type StorageQuota } from './storage-quota';

/** Finds the unfinished jobs that read an artifact, so that it is not deleted under them. */
export type ArtifactReaders = (artifactId: string) => Promise<Pick<JobRecord, 'id' | 'state'>[]>;

/**
 * The artifacts a caller may see (their team's; a tutor's, every team's): one by id, a listing
 * with the uploads in progress and each team's storage, and deletion, refused while a job that
 * has not ended reads the artifact.
 */
export class ArtifactCatalogue {
  constructor(
    private readonly store: ArtifactStore,
    private readonly quota: StorageQuota,
    private readonly sweeper: ArtifactSweeper,
    private readonly readers: ArtifactReaders,
  ) {}

  /** The artifact when the caller may see it: what GetArtifact answers and what a job's input or parameter names. */
  async getArtifact(caller: Caller, artifactId: string): Promise<ArtifactRecord> {
    const id = checkArtifactId(artifactId);
    const found = await this.store.getArtifact(id);
    if (!found) throw new GatewayError(ErrorCodes.notFound, `there is no artifact ${id}; "gpulab artifacts" lists your team's`, { reason: ErrorReasons.artifactNotFound, metadata: { artifact: id } });
    if (!canSee(caller, found.team)) throw new GatewayError(ErrorCodes.permissionDenied, `artifact ${id} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { artifact: id } });
    return found;
  }

  /** Artifacts and uploads in progress, newest first, and each listed team's storage use. */
  async list(caller: Caller, team: string): Promise<{ artifacts: ArtifactRecord[]; uploads: UploadRecord[]; usage: StorageUsageView[] }> {
    const only = scopeTeam(caller, team.trim(), {
      otherTeam: (wanted) => new GatewayError(ErrorCodes.permissionDenied, `you can list only your own team's artifacts, not team ${wanted}'s`, { reason: ErrorReasons.otherTeam }),
      noTeam,
    });
    const uploads = (await this.sweeper.liveUploads()).filter((u) => only === undefined || u.team === only);
    const artifacts = (await this.store.listArtifacts()).filter((a) => only === undefined || a.team === only);
    const teams = only !== undefined ? [only] : [...new Set([...artifacts.map((a) => a.team), ...uploads.map((u) => u.team), ...this.quota.teams()])].sort();
    const newestFirst = <T extends { createdAt: string }>(a: T, b: T) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0);
    return {
      artifacts: artifacts.sort(newestFirst),
      uploads: uploads.sort(newestFirst),
      usage: await Promise.all(teams.map((t) => this.quota.usage(t))),
    };
  }

  /** Refused while an unfinished job reads the artifact: its worker would find nothing. */
  async deleteArtifact(caller: Caller, artifactId: string): Promise<{ artifact: ArtifactRecord; usage: StorageUsageView }> {
    const artifact = await this.getArtifact(caller, artifactId);
    const readers = await this.readers(artifact.id);
    if (readers.length > 0) {
      const listed = readers.slice(0, 3).map((j) => `${j.id} (${j.state})`).join(', ');
      throw new GatewayError(
        ErrorCodes.failedPrecondition,
        `artifact ${artifact.id} is used by ${readers.length === 1 ? 'job' : `${readers.length} jobs`} ${listed}${readers.length > 3 ? ', …' : ''} that ${readers.length === 1 ? 'has' : 'have'} not ended; cancel them or wait, then delete it`,
      );
    }
    await this.store.deleteArtifact(artifact.id);
    return { artifact, usage: await this.quota.usage(artifact.team) };
  }
}

function checkArtifactId(raw: string): string {
  const id = raw.trim();
  if (!id) throw invalid('the artifact id is missing');
  if (!ARTIFACT_ID_PATTERN.test(id)) throw invalid(`${quoteInput(raw)} is not an artifact id (they look like art-…, 16 letters and digits)`);
  return id;
}
