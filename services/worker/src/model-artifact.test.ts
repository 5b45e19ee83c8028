import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ArtifactRecord, ArtifactKeys, ARTIFACT_ID_PATTERN, decodeModelBundle, type JobRecord, ObjectNames } from '@gpulab/contracts';
import { type TrainedModel } from '@gpulab/compute';
import { openJetStreamResources, readObject } from '@gpulab/platform';
import { useNatsServer } from '@gpulab/platform/dist/testing/nats-fixture';
import { storeTrainedModel } from './model-artifact';

const MODEL: TrainedModel = {
  modelJson: Buffer.from('{"modelTopology":{},"weightsManifest":[]}'),
  weights: new Uint8Array([1, 2, 3, 4]),
  inputShape: [28, 28, 1],
  classes: 10,
  layers: ['conv1', 'logits'],
  parameters: 1,
};

describe('a trained model as an artifact of its team', () => {
  const nats = useNatsServer('model-artifact-test');

  it('is stored once under an id that a retried attempt of the same job finds again', async () => {
    const resources = await openJetStreamResources(nats.nc);
    const job = { id: 'j-train', team: 'demo', submittedBy: 'ana' } as JobRecord;
    const id = await storeTrainedModel(resources, job, MODEL);
    assert.match(id, ARTIFACT_ID_PATTERN);
    assert.equal(await storeTrainedModel(resources, job, MODEL), id);
    assert.notEqual(await storeTrainedModel(resources, { ...job, id: 'j-other' }, MODEL), id);
    const record = (await resources.artifactIndex.get(ArtifactKeys.artifact(id)))?.json<ArtifactRecord>();
    assert.deepEqual([record?.team, record?.kind, record?.sourceJob, record?.createdBy, record?.model?.classes], ['demo', 'model', 'j-train', 'ana', 10]);
    const bundle = decodeModelBundle((await readObject(resources.artifacts, ObjectNames.artifact(id))) as Uint8Array);
    assert.deepEqual([...bundle.weights], [1, 2, 3, 4]);
    assert.equal(record?.storedBytes, 12 + MODEL.modelJson.byteLength + 4);
  });
});
