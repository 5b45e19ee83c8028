import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KubeApiServer } from './kube-api-server';
import { parseLabelSelector } from './label-selector';

const JOBS = '/apis/batch/v1/namespaces/gpulab/jobs';

function jobBody(name: string, image: unknown = 'busybox:1.36'): unknown {
  return { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, labels: { app: 'x' } }, spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image }] } } } };
}

describe('the Kubernetes API test server', () => {
  let api: KubeApiServer;
  const post = (path: string, body: unknown) => fetch(`${api.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  before(async () => {
    api = await KubeApiServer.start();
  });
  after(() => api.close());

  it('refuses a Job body that breaks the API schema with 422 Invalid, naming the field', async () => {
    const res = await post(JOBS, jobBody('bad', 42));
    assert.equal(res.status, 422);
    const status = (await res.json()) as { reason: string; message: string };
    assert.equal(status.reason, 'Invalid');
    assert.match(status.message, /containers\/0\/image must be string/);
  });

  it('creates a Job and its pod once, and answers a second create with 409 AlreadyExists', async () => {
    assert.equal((await post(JOBS, jobBody('once'))).status, 201);
    const again = await post(JOBS, jobBody('once'));
    assert.equal(again.status, 409);
    assert.equal(((await again.json()) as { reason: string }).reason, 'AlreadyExists');
    assert.equal(api.podOf('once')?.metadata.labels?.['batch.kubernetes.io/job-name'], 'once');
  });

  it('answers a watch from a compacted version with an ERROR event of code 410', async () => {
    api.compact();
    const res = await fetch(`${api.url}/api/v1/namespaces/gpulab/pods?watch=true&resourceVersion=1`);
    const [line] = (await res.text()).trim().split('\n');
    const event = JSON.parse(line) as { type: string; object: { code: number } };
    assert.deepEqual([event.type, event.object.code], ['ERROR', 410]);
  });

  it('follows a pod log until the pod ends', async () => {
    await post(JOBS, jobBody('logged'));
    const pod = api.podOf('logged');
    api.appendLog('logged', 'epoch 1\n');
    const res = await fetch(`${api.url}/api/v1/namespaces/gpulab/pods/${pod?.metadata.name}/log?follow=true`);
    const text = res.text();
    api.appendLog('logged', 'epoch 2\n');
    api.playPod('logged', { phase: 'Succeeded' });
    assert.equal(await text, 'epoch 1\nepoch 2\n');
    assert.equal((api.job('logged')?.status?.conditions as { type: string }[])[0].type, 'Complete');
  });

  it('selects by equality, inequality and existence of labels', () => {
    const select = parseLabelSelector('a=1,b!=2,c,!d');
    assert.equal(select({ a: '1', b: '3', c: '' }), true);
    assert.equal(select({ a: '1', b: '2', c: '' }), false);
    assert.equal(select({ a: '1', c: '', d: 'x' }), false);
  });
});
