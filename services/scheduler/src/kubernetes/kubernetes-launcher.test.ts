import { after, afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Pod } from '@kubernetes/client-node';
import { KubeApiServer } from '@gpulab/kube-api-server';
import { type WorkerExit } from '../launcher';
import { systemClock } from '../clock';
import { connectKube } from './kube-client';
import { jobFixture, kubeConfigFixture } from './kube-fixtures';
import { type WorkerPodSettings } from './kubernetes-config';
import { type CourseNode } from './node-inventory';
import { kubeJobName } from './job-names';
import { KubernetesLauncher } from './kubernetes-launcher';
import { PodFailureCauses } from './pod-outcome';

const quiet = { info: () => undefined, warn: () => undefined };
const gpus = [
  { server: 'gpu-1', index: 2 },
  { server: 'gpu-1', index: 3 },
];

async function waitFor<T>(what: string, probe: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('the Kubernetes launcher against a Kubernetes API server', () => {
  let api: KubeApiServer;
  let launchers: KubernetesLauncher[] = [];
  let exits: WorkerExit[] = [];

  function launcher(credentials?: (job: { id: string }) => Promise<string>, tuning: { maxRunTime?: string; preemptGraceMs?: number; dataMounts?: string; workerPod?: WorkerPodSettings } = {}): KubernetesLauncher {
    const config = { ...kubeConfigFixture({ server: api.url, maxRunTime: tuning.maxRunTime, dataMounts: tuning.dataMounts }), ...(tuning.workerPod ? { workerPod: tuning.workerPod } : {}) };
    const made = new KubernetesLauncher({ config, client: connectKube(config), clock: systemClock, log: quiet, natsUrl: 'nats://nats:4222', preemptGraceMs: tuning.preemptGraceMs ?? 120_000, stopGraceMs: 10_000, credentials });
    made.onExit((exit) => exits.push(exit));
    launchers.push(made);
    return made;
  }

  beforeEach(async () => {
    api = await KubeApiServer.start();
    api.addNode('gpu-1', { labels: { 'gpulab.dev/course-server': 'true' }, gpus: 4 });
    exits = [];
  });

  afterEach(async () => {
    for (const l of launchers) await l.close();
    launchers = [];
    await api.close();
  });

  after(() => undefined);

  it('creates one schema-valid Job per attempt, pinned to the placed node and GPUs', async () => {
    const { handle } = await launcher().launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    assert.equal(handle, `k8s:gpulab/${name}`);
    const job = await waitFor('the Job', () => api.job(name));
    assert.deepEqual(api.requestsTo('POST', '/jobs').map((r) => r.status), [201]);
    const pod = await waitFor('its pod', () => api.podOf(name));
    assert.equal(pod.spec?.nodeName, 'gpu-1');
    const container = (job.spec?.template as { spec: { containers: { resources: unknown; env: { name: string; value: string }[] }[] } }).spec.containers[0];
    assert.deepEqual(container.resources, { limits: { 'nvidia.com/gpu': '2' } });
    assert.equal(container.env.find((e) => e.name === 'NVIDIA_VISIBLE_DEVICES')?.value, '2,3');
  });

  it('starts a run job as a schema-valid pod of the team image and the worker, sharing a folder, the course data read-only', async () => {
    const workerPod: WorkerPodSettings = { tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }], resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi' } } };
    const l = launcher((job) => Promise.resolve(`creds of ${job.id}`), { dataMounts: '/srv/course/TrainVal:/data/TrainVal,pvc:models:/models', workerPod });
    await l.launch(jobFixture({ kind: 'run', params: { image: 'registry.course.org:5000/team-a/train:v3', command: ['python3', 'train.py', '--epochs', '3'] } }), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the Job', () => api.job(name));
    assert.deepEqual(api.requestsTo('POST', '/jobs').map((r) => r.status), [201], 'the API schema takes the Job');
    const pod = (await waitFor('its pod', () => api.podOf(name))) as unknown as V1Pod;
    const [main, worker] = pod.spec?.containers ?? [];
    assert.equal(main.image, 'registry.course.org:5000/team-a/train:v3');
    assert.deepEqual(main.command?.slice(0, 2), ['/bin/sh', '-c']);
    assert.deepEqual(main.command?.slice(3), ['gpulab-entry', 'python3', 'train.py', '--epochs', '3']);
    assert.deepEqual(main.resources, { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi', 'nvidia.com/gpu': '2' } });
    assert.deepEqual(pod.spec?.tolerations, workerPod.tolerations);
    assert.deepEqual(main.env, [{ name: 'GPULAB_SHARED_DIR', value: '/gpulab/shared' }, { name: 'NVIDIA_VISIBLE_DEVICES', value: '2,3' }]);
    assert.equal(worker.image, 'gpulab/worker-cpu:latest');
    const workerEnv = Object.fromEntries((worker.env ?? []).map((e) => [e.name, e.value]));
    assert.equal(workerEnv.GPULAB_SHARED_DIR, '/gpulab/shared');
    assert.equal(workerEnv.GPULAB_DATA_MOUNTS, 'TrainVal=/data/TrainVal,models=/models');
    for (const c of [main, worker]) {
      assert.deepEqual(c.volumeMounts, [
        { name: 'data-0', mountPath: '/data/TrainVal', readOnly: true },
        { name: 'data-1', mountPath: '/models', readOnly: true },
        { name: 'shared', mountPath: '/gpulab/shared' },
      ], c.name);
    }
    assert.deepEqual(pod.spec?.volumes, [
      { name: 'data-0', hostPath: { path: '/srv/course/TrainVal', type: 'Directory' } },
      { name: 'data-1', persistentVolumeClaim: { claimName: 'models', readOnly: true } },
      { name: 'shared', emptyDir: {} },
    ]);
  });

  it('keeps the attempt NATS credentials in a Secret made before its Job and deleted with it', async () => {
    const l = launcher((job) => Promise.resolve(`creds of ${job.id}`));
    await l.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    const job = await waitFor('the Job', () => api.job(name));
    const posts = api.requests.filter((r) => r.method === 'POST').map((r) => r.path.split('/').at(-1));
    assert.deepEqual(posts, ['secrets', 'jobs']);
    assert.equal(Buffer.from((api.secret(name) as unknown as { data: Record<string, string> }).data['nats.creds'], 'base64').toString(), 'creds of job-0001');
    const env = (job.spec?.template as { spec: { containers: { env: { name: string; value?: string; valueFrom?: unknown }[] }[] } }).spec.containers[0].env;
    assert.deepEqual(env.find((e) => e.name === 'GPULAB_NATS_CREDS_TEXT'), { name: 'GPULAB_NATS_CREDS_TEXT', valueFrom: { secretKeyRef: { name, key: 'nats.creds' } } });
    assert.ok(!JSON.stringify(job).includes('creds of job-0001'), 'the credentials are not in the Job');
    await waitFor('the pod', () => api.podOf(name));
    l.stop('job-0001', 1000);
    await waitFor('the Secret deleted', () => !api.secret(name));
  });

  it('takes a Job that exists already as its own: a create retried after a lost answer makes no second Job', async () => {
    api.refuse({ method: 'POST', pathIncludes: '/jobs', code: 503, reason: 'ServiceUnavailable', message: 'etcd leader changed' });
    const first = launcher();
    await first.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the Job', () => api.job(name));
    // A scheduler restarted mid-launch launches the same attempt again.
    await launcher().launch(jobFixture(), gpus);
    await waitFor('a second create', () => api.requestsTo('POST', '/jobs').length === 3);
    assert.deepEqual(api.requestsTo('POST', '/jobs').map((r) => r.status), [503, 201, 409]);
    assert.equal(api.jobs().length, 1);
    assert.deepEqual(exits, []);
  });

  it('fails the attempt with the API message when the cluster refuses the Job, and launches others', async () => {
    const l = launcher();
    api.refuse({ method: 'POST', pathIncludes: '/jobs', code: 403, reason: 'Forbidden', message: 'exceeded quota: gpu-quota, requested: requests.nvidia.com/gpu=2, used: 8, limited: 8' });
    await l.launch(jobFixture(), gpus);
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure?.code, PodFailureCauses.createRefused);
    assert.equal(exit.failure?.retryable, false);
    assert.match(exit.failure?.reason ?? '', /exceeded quota: gpu-quota/);
    await l.launch(jobFixture({ id: 'job-0002' }), gpus);
    await waitFor('the next Job', () => api.job(kubeJobName('job-0002', 1)));
  });

  it('waits out an unreachable API server and creates the Job once it answers', async () => {
    const l = launcher();
    api.setUnreachable(true);
    const { handle } = await l.launch(jobFixture(), gpus);
    assert.match(handle, /^k8s:/, 'the launch does not wait for the API server');
    await new Promise((r) => setTimeout(r, 300));
    api.setUnreachable(false);
    await waitFor('the Job', () => api.job(kubeJobName('job-0001', 1)));
    assert.equal(api.jobs().length, 1);
    assert.deepEqual(exits, []);
  });

  const failures = [
    { name: 'an out-of-memory kill', play: { phase: 'Failed', containerStatuses: [{ name: 'worker', image: 'w', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] }, code: PodFailureCauses.oomKilled, retryable: false },
    { name: 'an image that cannot be pulled', play: { phase: 'Pending', containerStatuses: [{ name: 'worker', image: 'team/bad:tag', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'pull access denied' } } }] }, code: PodFailureCauses.imagePull, retryable: false },
    { name: 'a container configuration error', play: { phase: 'Pending', containerStatuses: [{ name: 'worker', image: 'w', ready: false, restartCount: 0, state: { waiting: { reason: 'CreateContainerConfigError', message: 'configmap "x" not found' } } }] }, code: PodFailureCauses.containerConfig, retryable: false },
    { name: 'an eviction', play: { phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: ephemeral-storage.' }, code: PodFailureCauses.evicted, retryable: true },
    { name: 'the deadline', play: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' }, code: PodFailureCauses.deadlineExceeded, retryable: true },
  ];
  for (const failure of failures) {
    it(`ends the attempt on ${failure.name} with the reason and retry decision of its kind`, async () => {
      await launcher().launch(jobFixture(), gpus);
      const name = kubeJobName('job-0001', 1);
      await waitFor('the pod', () => api.podOf(name));
      api.runPod(name);
      api.playPod(name, failure.play);
      const exit = await waitFor('the exit', () => exits[0]);
      assert.deepEqual([exit.jobId, exit.attempt, exit.failure?.code, exit.failure?.retryable], ['job-0001', 1, failure.code, failure.retryable]);
      if (failure.play.phase === 'Pending') await waitFor('the stuck Job deleted', () => !api.job(name));
    });
  }

  it('says the slot ended when the Job controller deletes the pod of a Job past its deadline', async () => {
    await launcher(undefined, { maxRunTime: '1s', preemptGraceMs: 0 }).launch(jobFixture({ role: 'tutor' }), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the pod', () => api.podOf(name));
    assert.equal(api.job(name)?.spec?.activeDeadlineSeconds, 1);
    api.runPod(name);
    await new Promise((r) => setTimeout(r, 1100));
    api.deletePod(name);
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure?.code, PodFailureCauses.deadlineExceeded);
    assert.equal(exit.failure?.retryable, true);
  });

  it('stops an attempt by deleting its pods with the grace period first, then its Job', async () => {
    const l = launcher();
    await l.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the pod', () => api.podOf(name));
    api.runPod(name);
    await new Promise((r) => setTimeout(r, 50));
    l.stop('job-0001', 120_000);
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure, undefined, 'a stopped worker is an exit, not a failure');
    await waitFor('the Job deleted', () => !api.job(name));
    const podDelete = api.requestsTo('DELETE', '/pods')[0];
    assert.equal(podDelete.query.gracePeriodSeconds, '120');
    assert.equal(podDelete.query.labelSelector, `batch.kubernetes.io/job-name=${name}`);
    const jobDelete = api.requestsTo('DELETE', `/jobs/${name}`)[0];
    assert.equal(jobDelete.query.propagationPolicy, 'Background');
  });

  it('after a restart deletes Jobs of no live attempt and requeues live attempts without a Job', async () => {
    const before = launcher(() => Promise.resolve('creds'));
    await before.launch(jobFixture({ id: 'kept' }), gpus);
    await before.launch(jobFixture({ id: 'orphan' }), gpus);
    await waitFor('both Jobs', () => api.jobs().length === 2);
    // A Job whose TTL ran out leaves its Secret behind.
    api.refuse({ method: 'POST', pathIncludes: '/jobs', code: 403, reason: 'Forbidden', message: 'no' });
    await before.launch(jobFixture({ id: 'refused' }), gpus);
    await waitFor('the refusal', () => exits.find((e) => e.jobId === 'refused'));
    exits = [];
    await before.close();
    const after = launcher();
    assert.equal(after.adopt(jobFixture({ id: 'kept' }), `k8s:gpulab/${kubeJobName('kept', 1)}`), true);
    assert.equal(after.adopt(jobFixture({ id: 'vanished' }), `k8s:gpulab/${kubeJobName('vanished', 1)}`), true);
    assert.equal(after.adopt(jobFixture({ id: 'local' }), 'pid:123'), false);
    await after.adopted();
    await waitFor('the orphan deleted', () => !api.job(kubeJobName('orphan', 1)));
    await waitFor('the Secrets of no attempt deleted', () => !api.secret(kubeJobName('orphan', 1)) && !api.secret(kubeJobName('refused', 1)));
    assert.ok(api.job(kubeJobName('kept', 1)));
    assert.ok(api.secret(kubeJobName('kept', 1)));
    const exit = await waitFor('the vanished attempt', () => exits.find((e) => e.jobId === 'vanished'));
    assert.equal(exit.failure?.code, PodFailureCauses.jobGone);
    assert.equal(exit.failure?.retryable, true);
    assert.equal(exits.length, 1);
  });

  it('requeues the attempts of a node that goes NotReady and tells who listens', async () => {
    const l = launcher();
    const heard: CourseNode[][] = [];
    l.onNodes((nodes) => heard.push(nodes));
    await l.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the pod', () => api.podOf(name));
    api.runPod(name);
    await waitFor('the node listed', () => heard.length > 0);
    await new Promise((r) => setTimeout(r, 50));
    api.setNodeReady('gpu-1', false);
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure?.code, PodFailureCauses.nodeLost);
    assert.equal(exit.failure?.retryable, true);
    assert.deepEqual(heard.at(-1), [{ name: 'gpu-1', gpus: 4, ready: false }]);
  });

  it('requeues the attempts of a node that disappears mid-job', async () => {
    const l = launcher();
    await l.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the pod', () => api.podOf(name));
    api.runPod(name);
    await new Promise((r) => setTimeout(r, 50));
    api.removeNode('gpu-1');
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure?.code, PodFailureCauses.nodeLost);
  });

  it('resumes a dropped watch from the last version seen, bookmarks included, and misses no change', async () => {
    const l = launcher();
    await l.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the pod', () => api.podOf(name));
    await waitFor('the pod watch', () => api.requestsTo('GET', '/pods').some((r) => r.query.watch === 'true'));
    api.runPod(name);
    api.bookmark();
    await new Promise((r) => setTimeout(r, 50));
    const seen = api.podOf(name)?.metadata.resourceVersion;
    api.dropWatches();
    api.playPod(name, { phase: 'Failed', containerStatuses: [{ name: 'worker', image: 'w', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] });
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure?.code, PodFailureCauses.oomKilled);
    const watches = api.requestsTo('GET', '/pods').filter((r) => r.query.watch === 'true');
    assert.ok(watches.every((w) => w.query.allowWatchBookmarks === 'true'));
    assert.ok(Number(watches.at(-1)?.query.resourceVersion) >= Number(seen), 'resumed from where it was, not from the start');
  });

  it('lists again when the version to resume from is gone (410), and misses no change', async () => {
    const l = launcher();
    await l.launch(jobFixture(), gpus);
    const name = kubeJobName('job-0001', 1);
    await waitFor('the pod', () => api.podOf(name));
    await waitFor('the pod watch', () => api.requestsTo('GET', '/pods').some((r) => r.query.watch === 'true'));
    api.dropWatches();
    api.playPod(name, { phase: 'Failed', reason: 'Evicted', message: 'low on memory' });
    api.compact();
    const exit = await waitFor('the exit', () => exits[0]);
    assert.equal(exit.failure?.code, PodFailureCauses.evicted);
    const lists = api.requestsTo('GET', '/pods').filter((r) => r.query.watch === undefined);
    assert.ok(lists.length >= 2, 'listed again after 410 Gone');
  });
});
