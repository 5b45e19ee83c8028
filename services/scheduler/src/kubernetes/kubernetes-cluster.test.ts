import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type CalendarReply, type Caller, type JobRecord, type JobReply, SchedulerSubjects } from '@gpulab/contracts';
import { KubeApiServer } from '@gpulab/kube-api-server';
import { type SchedulerApp, startSchedulerApp } from '../testing/scheduler-app';
import { kubeJobName } from './job-names';

const tutor: Caller = { role: 'tutor', name: 'tutor' };
const COURSE = { 'gpulab.dev/course-server': 'true' };

describe('the scheduler with GPULAB_LAUNCHER=kubernetes', () => {
  let api: KubeApiServer;
  let scheduler: SchedulerApp;
  const request = <T>(subject: string, body: unknown): Promise<T> => scheduler.request<T>(subject, body);
  const job = async (id: string): Promise<JobRecord> => (await request<JobReply>(SchedulerSubjects.get, { caller: tutor, jobId: id })).job;
  const servers = async () => (await request<CalendarReply>(SchedulerSubjects.calendar, { caller: tutor })).servers;

  async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const value = await probe();
      if (value) return value;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  function submit(jobId: string): Promise<JobReply> {
    return request<JobReply>(SchedulerSubjects.submit, { caller: tutor, jobId, kind: 'tsne', params: {}, input: { source: 'none' }, gpus: 2, priority: false, preemptible: false });
  }

  before(async () => {
    api = await KubeApiServer.start();
    api.addNode('gpu-1', { labels: COURSE, gpus: 4 });
    api.addNode('gpu-2', { labels: COURSE, gpus: 2 });
    api.addNode('login', { gpus: 0 });
    scheduler = await startSchedulerApp({
      name: 'kube',
      tokens: { tutor: 't', teams: { alpha: 'a' } },
      options: { termStart: '2026-12-01', timeZone: 'UTC', exitSettle: '50ms', retryBackoff: '0s', logLevel: 'warn', launcher: 'kubernetes', kubernetes: { server: api.url, retryBackoff: '20ms' } },
      clock: { now: () => new Date('2026-12-02T10:00:00Z') },
    });
  });

  after(async () => {
    await scheduler?.close();
    await api?.close();
  });

  it('takes its servers from the labelled course nodes and their allocatable GPUs', async () => {
    assert.deepEqual(
      (await servers()).map((s) => [s.name, s.gpus]),
      [
        ['gpu-1', 4],
        ['gpu-2', 2],
      ],
    );
  });

  it('fails a job killed for its memory with a sentence the student understands, and tries it no more', async () => {
    await submit('oom-1');
    const name = kubeJobName('oom-1', 1);
    await until('its pod', () => api.podOf(name));
    api.runPod(name);
    api.playPod(name, { phase: 'Failed', containerStatuses: [{ name: 'worker', image: 'w', ready: false, restartCount: 0, state: { terminated: { exitCode: 137, reason: 'OOMKilled' } } }] });
    const failed = await until('the job failed', async () => ((await job('oom-1')).state === 'FAILED' ? job('oom-1') : undefined));
    assert.match(failed.reason ?? '', /used more than its memory limit/);
    assert.equal(failed.attempt, 1);
  });

  it('requeues the job of a node that goes NotReady and takes the node GPUs out of service', async () => {
    await submit('lost-1');
    const name = kubeJobName('lost-1', 1);
    const pod = await until('its pod', () => api.podOf(name));
    const node = pod.spec?.nodeName as string;
    api.runPod(name);
    api.setNodeReady(node, false);
    // Whichever comes first, the pod's loss or the GPUs taken out of service, the attempt is
    // closed without failing the job.
    const requeued = await until('the attempt closed', async () => {
      const j = await job('lost-1');
      return j.attempts?.[0]?.outcome !== 'running' ? j : undefined;
    });
    assert.ok(['retried', 'preempted'].includes(requeued.attempts?.[0]?.outcome as string), `closed as ${requeued.attempts?.[0]?.outcome}`);
    assert.match(requeued.attempts?.[0]?.reason ?? '', new RegExp(`node ${node} was lost|${node} GPU \\d was taken out of service`));
    const broken = await until('the GPUs out of service', async () => (await servers()).find((s) => s.name === node && s.brokenGpus.length > 0));
    assert.deepEqual(broken.brokenGpus, Array.from({ length: broken.gpus }, (_, i) => i));
    // The next attempt runs elsewhere; the lost node's Job does not come back.
    const next = await until('the next attempt placed', () => api.podOf(kubeJobName('lost-1', 2)));
    assert.notEqual(next.spec?.nodeName, node);
    assert.equal(api.requestsTo('POST', '/jobs').filter((r) => (r.body as { metadata: { name: string } }).metadata.name === name).length, 1);
  });

  it('refuses a run job that names no image with FAILED_PRECONDITION and IMAGE_MODE: in a cluster its command runs in the team image', async () => {
    const reply = await scheduler.send<JobReply>(SchedulerSubjects.submit, { caller: tutor, jobId: 'run-noimage', kind: 'run', params: { command: ['python3', 'train.py'] }, input: { source: 'none' }, gpus: 1, priority: false, preemptible: false });
    assert.ok(!reply.ok);
    assert.equal(reply.error.code, 'FAILED_PRECONDITION');
    assert.equal(reply.error.reason, 'IMAGE_MODE');
    assert.match(reply.error.message, /give it with --image REGISTRY\/IMAGE:TAG/);
  });

  // Last: its attempt keeps a GPU until the suite ends.
  it('starts a run job with an image as a pod of the team image and the worker', async () => {
    await request<JobReply>(SchedulerSubjects.submit, { caller: tutor, jobId: 'run-image', kind: 'run', params: { command: ['python3', 'train.py'], image: 'registry.course.org/team-a/train:v3' }, input: { source: 'none' }, gpus: 1, priority: false, preemptible: false });
    const pod = await until('its pod', () => api.podOf(kubeJobName('run-image', 1)));
    const containers = (pod.spec as { containers: { name: string; image: string }[] }).containers;
    assert.deepEqual(containers.map((c) => [c.name, c.image]), [
      ['main', 'registry.course.org/team-a/train:v3'],
      ['worker', 'gpulab/worker-cpu:latest'],
    ]);
  });
});
