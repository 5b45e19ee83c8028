import { createHash } from 'node:crypto';
import { encodeModelBundle, type WorkerWriteTarget } from '@gpulab/contracts';
import { type TrainedModel } from '@gpulab/compute';

/**
 * A model a job trained, as the write that stores it as a model artifact of the job's team: one
 * `encodeModelBundle` object, as an uploaded model is stored, and what its record shows. The
 * scheduler writes the record itself (team, owner, id from the job's), so a worker cannot file
 * a model under another team; a retried attempt finds the first one stored and keeps it.
 */
export function modelArtifact(model: TrainedModel): { target: Extract<WorkerWriteTarget, { kind: 'model' }>; bytes: Uint8Array } {
  return {
    target: {
      kind: 'model',
      model: { inputShape: model.inputShape, classes: model.classes, layers: model.layers, parameters: model.parameters },
      sha256: createHash('sha256').update(model.modelJson).digest('hex'),
    },
    bytes: encodeModelBundle({ modelJson: model.modelJson, weights: model.weights }),
  };
}
