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

  it('leases the lead for 15 s on a NATS cluster, longer than a JetStream election, and 3 s on one server, unless told', () => {
    assert.equal(compileSchedulerConfig(schedulerOptionsFromEnv({})).leaderLeaseMs, 3_000);
    assert.equal(compileSchedulerConfig(schedulerOptionsFromEnv({ GPULAB_NATS_REPLICAS: '3' })).leaderLeaseMs, 15_000);
    assert.equal(compileSchedulerConfig(schedulerOptionsFromEnv({ GPULAB_NATS_REPLICAS: '3', GPULAB_LEADER_LEASE: '4s' })).leaderLeaseMs, 4_000);
  });
});
