import { createHash } from 'node:crypto';
import { type ArtifactRecord, ArtifactKeys, encodeModelBundle, type JobRecord, trainedModelArtifactId } from '@gpulab/contracts';
import { type TrainedModel } from '@gpulab/compute';
import { type ArtifactBuckets, putArtifact } from '@gpulab/platform';

/**
 * Stores a model a job trained as a model artifact of the job's team, as an uploaded model is
 * stored (one `encodeModelBundle` object, then its record), and returns its id. The id comes
 * from the job's, so an attempt that stores it again finds the record there and keeps it. The
 * model counts against the team's storage like an upload, though no limit stops a job that
 * has trained already.
 */
export async function storeTrainedModel(buckets: ArtifactBuckets, job: JobRecord, model: TrainedModel): Promise<string> {
  const id = trainedModelArtifactId(job.id);
  if ((await buckets.artifactIndex.get(ArtifactKeys.artifact(id)))?.operation === 'PUT') return id;
  const bytes = encodeModelBundle({ modelJson: model.modelJson, weights: model.weights });
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
  await putArtifact(buckets, record, bytes, `model trained by ${job.id} for team ${job.team}`);
  return id;
}
