import { createHash } from 'node:crypto';
import { type ArtifactRecord, ArtifactKeys, encodeModelBundle, type JobRecord, ObjectNames, trainedModelArtifactId } from '@gpulab/contracts';
import { type TrainedModel } from '@gpulab/compute';
import { type JetStreamResources } from '@gpulab/platform';

/**
 * Stores a model a job trained as a model artifact of the job's team, as an uploaded model is
 * stored (one `encodeModelBundle` object, then its record), and returns its id. The id comes
 * from the job's, so an attempt that stores it again finds the record there and keeps it. The
 * model counts against the team's storage like an upload, though no limit stops a job that
 * has trained already.
 */
export async function storeTrainedModel(resources: Pick<JetStreamResources, 'artifacts' | 'artifactIndex'>, job: JobRecord, model: TrainedModel): Promise<string> {
  const id = trainedModelArtifactId(job.id);
  const key = ArtifactKeys.artifact(id);
  const existing = await resources.artifactIndex.get(key);
  if (existing?.operation === 'PUT') return id;
  const bytes = encodeModelBundle({ modelJson: model.modelJson, weights: model.weights });
  await resources.artifacts.putBlob({ name: ObjectNames.artifact(id), description: `model trained by ${job.id} for team ${job.team}` }, bytes);
  const record: ArtifactRecord = {
    id,
    team: job.team,
    createdBy: job.submittedBy,
    kind: 'model',
    filename: 'model.json',
    format: 'tfjs-model',
    rows: 0,
    cols: 0,
    labeled: false,
    classNames: [],
    model: { inputShape: model.inputShape, classes: model.classes, layers: model.layers, parameters: model.parameters },
    weightsFilename: 'weights.bin',
    sourceJob: job.id,
    storedBytes: bytes.byteLength,
    sha256: createHash('sha256').update(model.modelJson).digest('hex'),
    createdAt: new Date().toISOString(),
  };
  try {
    await resources.artifactIndex.create(key, JSON.stringify(record));
  } catch (error) {
    // Another attempt got there first; its record describes the same model.
    if ((await resources.artifactIndex.get(key))?.operation !== 'PUT') throw error;
  }
  return id;
}
