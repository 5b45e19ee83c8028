import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { podFixture } from './kube-fixtures';
import { PodFailureCauses, podOutcome } from './pod-outcome';

describe('what a pod status means for its attempt', () => {
  it('is nothing yet while the pod is pending or running', () => {
    assert.equal(podOutcome(podFixture('Pending', { waiting: { reason: 'ContainerCreating' } })), undefined);
    assert.equal(podOutcome(podFixture('Running', { running: {} })), undefined);
  });

  it('fails the job for good when it used more than its memory limit, naming the limit', () => {
    const end = podOutcome(podFixture('Failed', { terminated: { exitCode: 137, reason: 'OOMKilled' } }, { memory: '16Gi' }));
    assert.equal(end?.failure?.code, PodFailureCauses.oomKilled);
    assert.equal(end?.failure?.retryable, false);
    assert.match(end?.failure?.reason ?? '', /more than its memory limit of 16Gi/);
  });

  it('fails the job for good when its image cannot be pulled, naming the image and the message', () => {
    for (const reason of ['ImagePullBackOff', 'ErrImagePull']) {
      const end = podOutcome(podFixture('Pending', { waiting: { reason, message: 'manifest unknown' } }));
      assert.equal(end?.failure?.code, PodFailureCauses.imagePull);
      assert.equal(end?.failure?.retryable, false);
      assert.equal(end?.failure?.reason, 'image gpulab/worker-gpu:latest cannot be pulled: manifest unknown');
    }
  });

  it('fails the job for good on a container configuration error, with its message', () => {
    const end = podOutcome(podFixture('Pending', { waiting: { reason: 'CreateContainerConfigError', message: 'secret "nats" not found' } }));
    assert.equal(end?.failure?.code, PodFailureCauses.containerConfig);
    assert.equal(end?.failure?.retryable, false);
    assert.match(end?.failure?.reason ?? '', /secret "nats" not found/);
  });

  it('requeues an evicted pod within the attempt budget', () => {
    const end = podOutcome(podFixture('Failed', {}, { reason: 'Evicted', message: 'The node was low on resource: memory.' }));
    assert.equal(end?.failure?.code, PodFailureCauses.evicted);
    assert.equal(end?.failure?.retryable, true);
    assert.match(end?.failure?.reason ?? '', /evicted from gpu-1: The node was low on resource/);
  });

  it('requeues a pod whose node was lost', () => {
    const end = podOutcome(podFixture('Failed', {}, { reason: 'NodeLost' }));
    assert.equal(end?.failure?.code, PodFailureCauses.nodeLost);
    assert.equal(end?.failure?.retryable, true);
  });

  it('says the slot ended when the deadline stopped the pod', () => {
    const end = podOutcome(podFixture('Failed', {}, { reason: 'DeadlineExceeded' }));
    assert.equal(end?.failure?.code, PodFailureCauses.deadlineExceeded);
    assert.match(end?.failure?.reason ?? '', /slot ended/);
  });

  it('passes on a plain exit code, leaving the decision to the lost-worker rule', () => {
    assert.deepEqual(podOutcome(podFixture('Failed', { terminated: { exitCode: 3 } })), { code: 3, signal: null });
    assert.deepEqual(podOutcome(podFixture('Succeeded', { terminated: { exitCode: 0 } })), { code: 0, signal: null });
  });
});
