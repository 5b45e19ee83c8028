import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileJetStreamReplicas } from './jetstream-replicas';

describe('JetStream replicas setting', () => {
  it('keeps one copy when unset, as a lone nats-server needs', () => {
    assert.equal(compileJetStreamReplicas(undefined, 'natsReplicas'), 1);
    assert.equal(compileJetStreamReplicas('', 'natsReplicas'), 1);
  });

  it('reads the copies a cluster keeps from text or a number', () => {
    assert.equal(compileJetStreamReplicas('3', 'natsReplicas'), 3);
    assert.equal(compileJetStreamReplicas(5, 'natsReplicas'), 5);
  });

  it('refuses a count JetStream cannot keep, naming the field', () => {
    for (const bad of ['0', '6', 'three', '2.5', -1]) {
      assert.throws(() => compileJetStreamReplicas(bad, 'natsReplicas (GPULAB_NATS_REPLICAS)'), /natsReplicas \(GPULAB_NATS_REPLICAS\): ".*" must be a whole number of copies from 1 to 5/);
    }
  });
});
