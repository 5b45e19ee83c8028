import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POD_ENTRY_NAME, POD_ENTRY_SCRIPT } from '@gpulab/run-job';
import { buildCredentialsSecret, buildJobManifest, type ManifestContext, RUN_WORKER_UID, SHARED_MOUNT } from './job-manifest';
import { kubeJobName } from './job-names';
import { jobFixture, kubeConfigFixture } from './kube-fixtures';
import { workerPodSettings } from './kubernetes-config';

const NOW = Date.parse('2026-12-03T12:00:00Z');
const gpus = [
  { server: 'gpu-2', index: 4 },
  { server: 'gpu-2', index: 5 },
];

function context(overrides: Partial<ManifestContext> = {}): ManifestContext {
  return { config: kubeConfigFixture({ dataMounts: '/srv/course-data:/data,pvc:datasets:/datasets' }), natsUrl: 'nats://nats.gpulab:4222', workerEnv: { GPULAB_LOG_LEVEL: 'info' }, nowMs: NOW, preemptGraceMs: 120_000, ...overrides };
}

function env(manifest: ReturnType<typeof buildJobManifest>, container = 0): Record<string, string | undefined> {
  return Object.fromEntries((manifest.spec?.template.spec?.containers[container].env ?? []).map((e) => [e.name, e.value]));
}

describe('the Job manifest of an attempt', () => {
  it('is named after the job and attempt, so creating it again is refused rather than doubled', () => {
    const manifest = buildJobManifest(jobFixture({ attempt: 3 }), gpus, context());
    assert.equal(manifest.metadata?.name, kubeJobName('job-0001', 3));
    assert.equal(manifest.metadata?.name, buildJobManifest(jobFixture({ attempt: 3 }), gpus, context()).metadata?.name);
  });

  it('pins the pod to the placed node and asks for exactly the job GPUs', () => {
    const spec = buildJobManifest(jobFixture(), gpus, context()).spec?.template.spec;
    const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    assert.deepEqual(terms, [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['gpu-2'] }] }]);
    assert.deepEqual(spec?.containers[0].resources?.limits, { 'nvidia.com/gpu': '2' });
  });

  it('passes the placed GPU indices, the job, the attempt and the NATS address to the worker', () => {
    const vars = env(buildJobManifest(jobFixture({ attempt: 2 }), gpus, context()));
    assert.equal(vars.NVIDIA_VISIBLE_DEVICES, '4,5');
    assert.equal(vars.GPULAB_GPUS, 'gpu-2:4,gpu-2:5');
    assert.equal(vars.CUDA_VISIBLE_DEVICES, '0,1', 'the container sees only its GPUs, numbered from 0');
    assert.equal(vars.GPULAB_JOB_ID, 'job-0001');
    assert.equal(vars.GPULAB_ATTEMPT, '2');
    assert.equal(vars.GPULAB_NATS_URL, 'nats://nats.gpulab:4222');
    assert.equal(vars.GPULAB_LOG_LEVEL, 'info');
  });

  it('takes the NATS credentials from the attempt Secret, never from the Job itself', () => {
    const manifest = buildJobManifest(jobFixture(), gpus, context({ credentials: true }));
    const variable = manifest.spec?.template.spec?.containers[0].env?.find((e) => e.name === 'GPULAB_NATS_CREDS_TEXT');
    assert.deepEqual(variable?.valueFrom, { secretKeyRef: { name: manifest.metadata?.name, key: 'nats.creds' } });
    const secret = buildCredentialsSecret(jobFixture(), 'gpulab', 'CREDS');
    assert.equal(secret.metadata?.name, manifest.metadata?.name);
    assert.deepEqual(secret.metadata?.labels, manifest.metadata?.labels);
  });

  it('leaves retries to the scheduler and ends at the slot end plus the grace period', () => {
    const spec = buildJobManifest(jobFixture(), gpus, context({ slotEndMs: NOW + 3_600_000 })).spec;
    assert.equal(spec?.backoffLimit, 0);
    assert.equal(spec?.template.spec?.restartPolicy, 'Never');
    assert.equal(spec?.activeDeadlineSeconds, 3600 + 120);
    assert.equal(spec?.ttlSecondsAfterFinished, 3600);
  });

  it('gives a job outside any slot the configured longest run', () => {
    const spec = buildJobManifest(jobFixture({ role: 'tutor' }), gpus, context()).spec;
    assert.equal(spec?.activeDeadlineSeconds, 24 * 3600 + 120);
  });

  it('labels the Job and its pods with team, job, attempt and kind', () => {
    const manifest = buildJobManifest(jobFixture({ team: 'team-b', kind: 'mnist-train', attempt: 4 }), gpus, context());
    const expected = { 'app.kubernetes.io/managed-by': 'gpulab-scheduler', 'gpulab.dev/job': 'job-0001', 'gpulab.dev/attempt': '4', 'gpulab.dev/team': 'team-b', 'gpulab.dev/kind': 'mnist-train' };
    assert.deepEqual(manifest.metadata?.labels, expected);
    assert.deepEqual(manifest.spec?.template.metadata?.labels, expected);
  });

  it('mounts the course data folders read-only', () => {
    const spec = buildJobManifest(jobFixture(), gpus, context()).spec?.template.spec;
    assert.deepEqual(spec?.volumes, [
      { name: 'data-0', hostPath: { path: '/srv/course-data', type: 'Directory' } },
      { name: 'data-1', persistentVolumeClaim: { claimName: 'datasets', readOnly: true } },
    ]);
    assert.ok(spec?.containers[0].volumeMounts?.every((m) => m.readOnly === true));
  });

  it('runs built-in kinds in the worker image', () => {
    const spec = buildJobManifest(jobFixture(), gpus, context()).spec?.template.spec;
    assert.equal(spec?.containers.length, 1);
    assert.equal(spec?.containers[0].image, 'gpulab/worker-gpu:latest');
  });

  it('runs a run job in the team image behind the sh entry, with the worker beside it sharing a folder', () => {
    const job = jobFixture({ kind: 'run', params: { image: 'registry.course.org/team-a/train:v3', command: ['python', 'train.py'] } });
    const spec = buildJobManifest(job, gpus, context()).spec?.template.spec;
    const [main, worker] = spec?.containers ?? [];
    assert.equal(main.name, 'main');
    assert.equal(main.image, 'registry.course.org/team-a/train:v3');
    assert.deepEqual(main.command, ['/bin/sh', '-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, 'python', 'train.py']);
    assert.deepEqual(main.resources?.limits, { 'nvidia.com/gpu': '2' });
    assert.equal(worker.name, 'worker');
    assert.equal(worker.image, 'gpulab/worker-cpu:latest');
    assert.equal(worker.resources, undefined, 'the GPUs are counted once, on the main container');
    // Ordinary containers: a native sidecar needs Kubernetes 1.28+, the chart supports 1.27.
    assert.equal(spec?.initContainers, undefined);
    assert.ok(spec?.volumes?.some((v) => v.name === 'shared' && v.emptyDir));
    for (const c of [main, worker]) assert.ok(c.volumeMounts?.some((m) => m.name === 'shared' && m.mountPath === SHARED_MOUNT), c.name);
  });

  it("shares one PID namespace in a run job's pod, so the worker samples the command, and runs the worker as its own user without capabilities", () => {
    const job = jobFixture({ kind: 'run', params: { image: 'team-a/train:v3', command: ['python', 'train.py'] } });
    const spec = buildJobManifest(job, gpus, context()).spec?.template.spec;
    assert.equal(spec?.shareProcessNamespace, true);
    const [main, worker] = spec?.containers ?? [];
    assert.equal(main.securityContext, undefined, "the team's container keeps its image's user, which may be root");
    assert.deepEqual(worker.securityContext, { runAsUser: RUN_WORKER_UID, runAsGroup: RUN_WORKER_UID, runAsNonRoot: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    // Neither root nor the user images commonly run as: a team's process of the worker's user could read its credentials.
    for (const common of [0, 1000, 1001, 65532, 65534]) assert.notEqual(RUN_WORKER_UID, common);
    assert.equal(buildJobManifest(jobFixture(), gpus, context()).spec?.template.spec?.shareProcessNamespace, undefined, 'a built-in kind runs in the worker alone');
  });

  it('gives the team container the shared folder and its GPUs, and none of the worker identity', () => {
    const job = jobFixture({ kind: 'run', params: { image: 'team-a/train:v3', command: ['python', 'train.py'] } });
    const manifest = buildJobManifest(job, gpus, context({ credentials: true }));
    assert.deepEqual(env(manifest, 0), { GPULAB_SHARED_DIR: SHARED_MOUNT, NVIDIA_VISIBLE_DEVICES: '4,5' });
    const worker = env(manifest, 1);
    assert.equal(worker.GPULAB_SHARED_DIR, SHARED_MOUNT);
    assert.equal(worker.GPULAB_JOB_ID, 'job-0001');
    assert.ok(manifest.spec?.template.spec?.containers[1].env?.some((e) => e.name === 'GPULAB_NATS_CREDS_TEXT'));
  });

  it('mounts the course data folders read-only into both containers and names them for the worker', () => {
    const job = jobFixture({ kind: 'run', params: { image: 'team-a/train:v3', command: ['python', 'train.py'] } });
    const manifest = buildJobManifest(job, gpus, context());
    const spec = manifest.spec?.template.spec;
    for (const c of spec?.containers ?? []) {
      assert.deepEqual(c.volumeMounts?.filter((m) => m.name.startsWith('data-')), [
        { name: 'data-0', mountPath: '/data', readOnly: true },
        { name: 'data-1', mountPath: '/datasets', readOnly: true },
      ], c.name);
    }
    assert.equal(env(manifest, 1).GPULAB_DATA_MOUNTS, 'data=/data,datasets=/datasets');
  });

  it('refuses a run job that names no image, or one that is not an image reference', () => {
    assert.throws(() => buildJobManifest(jobFixture({ kind: 'run', params: {} }), gpus, context()), /names no image/);
    assert.throws(() => buildJobManifest(jobFixture({ kind: 'run', params: { image: 'Team A/train' } }), gpus, context()), /"Team A\/train" is not an image reference/);
  });

  it("takes where attempts may run and what they may use from the chart's pod template, the GPUs added", () => {
    const template = {
      apiVersion: 'v1',
      kind: 'PodTemplate',
      template: {
        spec: {
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          nodeSelector: { 'gpulab.io/pool': 'course' },
          imagePullSecrets: [{ name: 'course-registry' }],
          securityContext: { runAsNonRoot: true },
          containers: [{ name: 'worker', image: 'ignored', resources: { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi' } } }],
        },
      },
    };
    const config = { ...kubeConfigFixture(), workerPod: workerPodSettings(JSON.stringify(template), 'pod-template.json') };
    for (const job of [jobFixture(), jobFixture({ kind: 'run', params: { image: 'team-a/train:v3', command: ['python3', 'train.py'] } })]) {
      const spec = buildJobManifest(job, gpus, context({ config })).spec?.template.spec;
      assert.deepEqual(spec?.tolerations, template.template.spec.tolerations, job.kind);
      assert.deepEqual(spec?.nodeSelector, { 'gpulab.io/pool': 'course' });
      assert.deepEqual(spec?.imagePullSecrets, [{ name: 'course-registry' }]);
      assert.equal(spec?.securityContext, undefined, "a team's image may need root");
      assert.deepEqual(spec?.containers[0].resources, { requests: { cpu: '2', memory: '8Gi' }, limits: { memory: '16Gi', 'nvidia.com/gpu': '2' } }, job.kind);
    }
  });
});
