import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSchedulerConfig, schedulerOptionsFromEnv } from './config';

describe('scheduler configuration', () => {
  it('defaults to the course cluster and friendly durations in ms', () => {
    const config = compileSchedulerConfig({});
    assert.deepEqual(config.inventory.servers.map((s) => s.gpus), [4, 2, 2]);
    assert.equal(config.stopGraceMs, 10_000);
  });

  it('names the field of a bad setting', () => {
    assert.throws(() => compileSchedulerConfig({ stopGrace: 'soon' }), /stopGrace: "soon" is not a duration/);
    assert.throws(() => compileSchedulerConfig({ gpuLayout: '4,0' }), /GPU layout "4,0"/);
  });

  it('keeps as many JetStream copies as GPULAB_NATS_REPLICAS says, one when it is unset', () => {
    assert.equal(compileSchedulerConfig(schedulerOptionsFromEnv({ GPULAB_NATS_REPLICAS: '3' })).natsReplicas, 3);
    assert.equal(compileSchedulerConfig(schedulerOptionsFromEnv({})).natsReplicas, 1);
    assert.throws(() => compileSchedulerConfig(schedulerOptionsFromEnv({ GPULAB_NATS_REPLICAS: '7' })), /natsReplicas \(GPULAB_NATS_REPLICAS\): "7"/);
  });
});
