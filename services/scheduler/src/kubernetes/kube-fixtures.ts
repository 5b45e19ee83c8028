import { type JobRecord, JobStates } from '@gpulab/contracts';
import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { compileKubernetesConfig, type KubernetesConfig, type KubernetesOptions } from './kubernetes-config';

/** A scheduled job record as the launcher receives it (tests). */
export function jobFixture(overrides: Partial<JobRecord> = {}): JobRecord {
  return {
    id: 'job-0001',
    team: 'team-a',
    submittedBy: 'alice',
    role: 'member',
    priority: false,
    preemptible: false,
    kind: 'tsne',
    params: {},
    input: { source: 'none' },
    gpus: 2,
    state: JobStates.scheduled,
    attempt: 1,
    assignedGpus: [],
    createdAt: '2026-12-03T10:00:00.000Z',
    ...overrides,
  };
}

/** The launcher's settings with test-sized durations. */
export function kubeConfigFixture(overrides: KubernetesOptions = {}): KubernetesConfig {
  return compileKubernetesConfig({ retryBackoff: '20ms', reconcileInterval: '1h', createTimeout: '5s', ...overrides });
}

/** A pod of one worker container, in `phase`, with the given container state. */
export function podFixture(phase: string, state: V1ContainerStatus['state'] = {}, extra: { reason?: string; message?: string; memory?: string } = {}): V1Pod {
  return {
    metadata: { name: 'gpulab-job-0001-a1-abcde', labels: { 'batch.kubernetes.io/job-name': 'gpulab-job-0001-a1' } },
    spec: { nodeName: 'gpu-1', containers: [{ name: 'worker', image: 'gpulab/worker-gpu:latest', resources: extra.memory ? { limits: { memory: extra.memory } } : undefined }] },
    status: { phase, reason: extra.reason, message: extra.message, containerStatuses: [{ name: 'worker', image: 'gpulab/worker-gpu:latest', imageID: '', ready: false, restartCount: 0, state }] },
  };
}
