import { ArtifactKeys, ObjectNames } from '@gpulab/contracts';
import { connectNats, type JetStreamResources, type NatsConnection, openJetStreamResources } from '@gpulab/platform';

/** Looks into the stack's JetStream store directly, to check what an upload left behind. */
export class StoreInspector {
  private constructor(
    private readonly nc: NatsConnection,
    readonly resources: JetStreamResources,
  ) {}

  /** Connects as `creds` (the scheduler's, which may read everything). */
  static async open(natsUrl: string, creds: string): Promise<StoreInspector> {
    const nc = await connectNats({ url: natsUrl, name: 'e2e-store-inspector', creds });
    return new StoreInspector(nc, await openJetStreamResources(nc));
  }

  /** Everything of an upload still stored: its record, its chunks, an artifact made from it. */
  async leftovers(uploadId: string): Promise<string[]> {
    const found: string[] = [];
    const record = await this.resources.artifactIndex.get(ArtifactKeys.upload(uploadId));
    if (record && record.operation === 'PUT') found.push(ArtifactKeys.upload(uploadId));
    const artifactId = `art-${uploadId.slice('up-'.length)}`;
    const artifact = await this.resources.artifactIndex.get(ArtifactKeys.artifact(artifactId));
    if (artifact && artifact.operation === 'PUT') found.push(ArtifactKeys.artifact(artifactId));
    const chunkPrefix = ObjectNames.uploadPart(uploadId, 0).replace(/\/[^/]*$/, '/');
    for (const info of await this.resources.artifacts.list()) {
      if (info.deleted) continue;
      if (info.name.startsWith(chunkPrefix) || info.name === ObjectNames.artifact(artifactId)) found.push(info.name);
    }
    return found;
  }

  /** Names of the stored (not deleted) chunks of an upload. */
  async chunks(uploadId: string): Promise<string[]> {
    return (await this.leftovers(uploadId)).filter((n) => n.startsWith('uploads/'));
  }

  async close(): Promise<void> {
    await this.nc.close();
  }
}
