import type { V1ContainerStatus, V1Pod } from '@kubernetes/client-node';
import { type WorkerExit, type WorkerFailure } from '../launcher';

/** Why a pod ended, as the launcher tells it; the `code` of a `WorkerFailure`. */
export const PodFailureCauses = {
  oomKilled: 'OOM_KILLED',
  imagePull: 'IMAGE_PULL',
  containerConfig: 'CONTAINER_CONFIG',
  evicted: 'EVICTED',
  nodeLost: 'NODE_LOST',
  deadlineExceeded: 'DEADLINE_EXCEEDED',
  createRefused: 'CREATE_REFUSED',
  jobGone: 'JOB_GONE',
} as const;
export type PodFailureCause = (typeof PodFailureCauses)[keyof typeof PodFailureCauses];

/** How a pod's worker ended: `WorkerExit` without the job and attempt. */
export type PodEnd = Omit<WorkerExit, 'jobId' | 'attempt'>;

const IMAGE_PULL = new Set(['ImagePullBackOff', 'ErrImagePull', 'InvalidImageName', 'ErrImageNeverPull']);
const CONTAINER_CONFIG = new Set(['CreateContainerConfigError', 'CreateContainerError']);
const NODE_LOST = new Set(['NodeLost', 'NodeShutdown', 'Terminated', 'UnexpectedAdmissionError']);

/**
 * What a pod's status means for its attempt: undefined while it may still run, else how it
 * ended and, where Kubernetes says why, a reason a student understands and whether trying again
 * may help. An exit without a known cause carries no failure: the scheduler treats it as any
 * worker that died without a report.
 */
export function podOutcome(pod: V1Pod): PodEnd | undefined {
  const status = pod.status ?? {};
  const containers = [...(status.initContainerStatuses ?? []), ...(status.containerStatuses ?? [])];
  for (const c of containers) {
    const waiting = c.state?.waiting;
    if (waiting?.reason && IMAGE_PULL.has(waiting.reason)) {
      return failed(PodFailureCauses.imagePull, `image ${c.image} cannot be pulled: ${waiting.message ?? waiting.reason}`, false);
    }
    if (waiting?.reason && CONTAINER_CONFIG.has(waiting.reason)) {
      return failed(PodFailureCauses.containerConfig, `the container ${c.name} could not be created: ${waiting.message ?? waiting.reason}`, false);
    }
  }
  const oom = containers.find((c) => c.state?.terminated?.reason === 'OOMKilled');
  if (oom) {
    const limit = memoryLimit(pod, oom);
    return failed(PodFailureCauses.oomKilled, `your job used more than its memory limit${limit ? ` of ${limit}` : ''} and was stopped (out of memory)`, false);
  }
  if (status.reason === 'Evicted') {
    return failed(PodFailureCauses.evicted, `its pod was evicted from ${pod.spec?.nodeName ?? 'its node'}: ${status.message ?? 'the node ran short of resources'}`, true);
  }
  if (status.reason === 'DeadlineExceeded') return deadlineExceeded();
  if ((status.reason && NODE_LOST.has(status.reason)) || disrupted(pod)) {
    return failed(PodFailureCauses.nodeLost, nodeLostReason(pod.spec?.nodeName), true);
  }
  if (status.phase === 'Succeeded') return { code: 0, signal: null };
  if (status.phase === 'Failed') {
    const main = (status.containerStatuses ?? []).find((c) => c.state?.terminated);
    return { code: main?.state?.terminated?.exitCode ?? null, signal: main?.state?.terminated?.signal ? `signal ${main.state.terminated.signal}` : null };
  }
  return undefined;
}

/**
 * The attempt ran into its `activeDeadlineSeconds`: its slot ended and the stop notice did not
 * end it. Transient: the job waits for its next slot and resumes from its checkpoint.
 */
export function deadlineExceeded(): PodEnd {
  return failed(PodFailureCauses.deadlineExceeded, 'its slot ended before the job did, and Kubernetes stopped it at its deadline', true);
}

/** The reason given when the node under an attempt is gone or not ready. */
export function nodeLostReason(node: string | undefined): string {
  return `the node ${node ?? 'it ran on'} was lost`;
}

/** A failure the launcher saw itself, as an exit. */
export function failed(code: PodFailureCause, reason: string, retryable: boolean): PodEnd {
  const failure: WorkerFailure = { code, reason, retryable };
  return { code: null, signal: null, failure };
}

/** Kubernetes marks a pod it is about to kill for a node's sake (taint manager, node shutdown). */
function disrupted(pod: V1Pod): boolean {
  return (pod.status?.conditions ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason !== 'PreemptionByScheduler' && c.reason !== 'EvictionByEvictionAPI');
}

function memoryLimit(pod: V1Pod, status: V1ContainerStatus): string | undefined {
  const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === status.name);
  return spec?.resources?.limits?.memory;
}
