import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseDataMounts, workerPodSettings } from './kubernetes-config';

describe('the course data folders of the Kubernetes launcher', () => {
  it('reads node folders and claims, each named after its mount path for $GPULAB_DATA', () => {
    assert.deepEqual(parseDataMounts(' /srv/course/TrainVal:/data/TrainVal , pvc:models:/models '), [
      { hostPath: '/srv/course/TrainVal', mountPath: '/data/TrainVal', name: 'TrainVal' },
      { claim: 'models', mountPath: '/models', name: 'models' },
    ]);
    assert.deepEqual(parseDataMounts(''), []);
  });

  it('refuses what is neither form, naming the variable and the entry', () => {
    for (const bad of ['data:/data', '/srv/x:data', 'pvc:Bad_Claim:/x', '/srv/x:/data/../etc', '/srv/x', 'nfs:server:/x:/y']) {
      assert.throws(() => parseDataMounts(bad), /GPULAB_KUBE_DATA_MOUNTS\): ".*" is neither/, bad);
    }
  });

  it('refuses two mount paths that a run command would find under one name', () => {
    assert.throws(() => parseDataMounts('/a/data:/x/data,/b/data:/y/data'), /two mount paths end in "data"/);
  });

  it('reads the worker pod template of the chart, and refuses what is not a PodTemplate, naming the variable', () => {
    assert.deepEqual(workerPodSettings(JSON.stringify({ kind: 'PodTemplate', template: { spec: { tolerations: [], containers: [{ name: 'worker' }] } } }), 't.json'), {
      tolerations: undefined,
      nodeSelector: undefined,
      imagePullSecrets: undefined,
      resources: undefined,
    });
    for (const bad of ['{', '{"kind":"Pod"}', JSON.stringify({ kind: 'PodTemplate', template: { spec: { containers: [], tolerations: 'all' } } })]) {
      assert.throws(() => workerPodSettings(bad, 't.json'), /GPULAB_KUBE_POD_TEMPLATE\): t\.json/, bad);
    }
  });
});
