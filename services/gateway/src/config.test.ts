import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileGatewayConfig, gatewayOptionsFromEnv } from './config';

describe('gateway configuration', () => {
  it('keeps as many JetStream copies as GPULAB_NATS_REPLICAS says, one when it is unset', () => {
    assert.equal(compileGatewayConfig(gatewayOptionsFromEnv({ GPULAB_NATS_REPLICAS: '3' })).natsReplicas, 3);
    assert.equal(compileGatewayConfig(gatewayOptionsFromEnv({})).natsReplicas, 1);
  });

  it('refuses a replica count JetStream cannot keep, naming the variable', () => {
    assert.throws(() => compileGatewayConfig(gatewayOptionsFromEnv({ GPULAB_NATS_REPLICAS: '0' })), /natsReplicas \(GPULAB_NATS_REPLICAS\): "0"/);
  });
});
