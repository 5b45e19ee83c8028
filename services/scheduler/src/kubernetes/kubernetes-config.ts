import { parseDurationMs } from '@gpulab/platform';

/** A course data folder the job's containers see read-only. */
export interface DataMount {
  /** Folder on the node (`hostPath`), or absent when `claim` is given. */
  hostPath?: string;
  /** A PersistentVolumeClaim in the launcher's namespace. */
  claim?: string;
  /** Where the containers see it. */
  mountPath: string;
}

/** The `kubernetes` launcher's settings in friendly units; `compileKubernetesConfig` checks them. */
export interface KubernetesOptions {
  /** The namespace Jobs are created in. @default 'gpulab' */
  namespace?: string;
  /** The API server; absent: the in-cluster service account (`loadFromCluster`). */
  server?: string;
  /** A kubeconfig file; wins over the in-cluster account, loses to `server`. */
  kubeconfig?: string;
  /** Nodes with this label (`key` or `key=value`) are course servers. @default 'gpulab.dev/course-server=true' */
  nodeLabel?: string;
  /** Image of built-in kinds on GPUs. @default 'gpulab/worker-gpu:latest' */
  workerGpuImage?: string;
  /** Image of built-in kinds that ask for no GPU. @default 'gpulab/worker-cpu:latest' */
  workerCpuImage?: string;
  /** Course data folders, `hostPath:mountPath` or `pvc:claim:mountPath`, comma separated. @default none */
  dataMounts?: string;
  /** How long a finished Job is kept for people to look at. @default '1h' */
  ttlAfterFinished?: string;
  /** The run time of a job placed outside a slot (tutor or backfill), before the deadline ends it. @default '24h' */
  maxRunTime?: string;
  /** How often Jobs and live attempts are compared. @default '60s' */
  reconcileInterval?: string;
  /** First wait after an API call that did not get through; doubled per try, at most 30 s. @default '1s' */
  retryBackoff?: string;
  /** How long a Job creation is tried while the API server cannot be reached, before the attempt is given up. @default '5m' */
  createTimeout?: string;
}

export interface KubernetesConfig {
  namespace: string;
  server?: string;
  kubeconfig?: string;
  nodeLabel: { key: string; value?: string };
  workerGpuImage: string;
  workerCpuImage: string;
  dataMounts: DataMount[];
  ttlAfterFinishedSeconds: number;
  maxRunMs: number;
  reconcileIntervalMs: number;
  retryBackoffMs: number;
  createTimeoutMs: number;
}

const DEFAULTS = {
  namespace: 'gpulab',
  nodeLabel: 'gpulab.dev/course-server=true',
  workerGpuImage: 'gpulab/worker-gpu:latest',
  workerCpuImage: 'gpulab/worker-cpu:latest',
  dataMounts: '',
  ttlAfterFinished: '1h',
  maxRunTime: '24h',
  reconcileInterval: '60s',
  retryBackoff: '1s',
  createTimeout: '5m',
} as const;

/** A DNS-1123 label: what a namespace name must be. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function compileKubernetesConfig(options: KubernetesOptions): KubernetesConfig {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined && v !== '')) as KubernetesOptions;
  const o = { ...DEFAULTS, ...given };
  if (!DNS_LABEL.test(o.namespace)) throw new Error(`kubernetes.namespace (GPULAB_KUBE_NAMESPACE): "${o.namespace}" is not a namespace name`);
  const [key, value] = o.nodeLabel.split('=', 2);
  if (!key) throw new Error(`kubernetes.nodeLabel (GPULAB_KUBE_NODE_LABEL): "${o.nodeLabel}" names no label`);
  return {
    namespace: o.namespace,
    server: o.server,
    kubeconfig: o.kubeconfig,
    nodeLabel: value === undefined ? { key } : { key, value },
    workerGpuImage: o.workerGpuImage,
    workerCpuImage: o.workerCpuImage,
    dataMounts: parseDataMounts(o.dataMounts),
    ttlAfterFinishedSeconds: Math.round(parseDurationMs(o.ttlAfterFinished, 'kubernetes.ttlAfterFinished (GPULAB_KUBE_TTL_AFTER_FINISHED)') / 1000),
    maxRunMs: parseDurationMs(o.maxRunTime, 'kubernetes.maxRunTime (GPULAB_KUBE_MAX_RUN_TIME)'),
    reconcileIntervalMs: parseDurationMs(o.reconcileInterval, 'kubernetes.reconcileInterval (GPULAB_KUBE_RECONCILE_INTERVAL)'),
    retryBackoffMs: parseDurationMs(o.retryBackoff, 'kubernetes.retryBackoff (GPULAB_KUBE_RETRY_BACKOFF)'),
    createTimeoutMs: parseDurationMs(o.createTimeout, 'kubernetes.createTimeout (GPULAB_KUBE_CREATE_TIMEOUT)'),
  };
}

export function kubernetesOptionsFromEnv(env: NodeJS.ProcessEnv): KubernetesOptions {
  return {
    namespace: env.GPULAB_KUBE_NAMESPACE,
    server: env.GPULAB_KUBE_SERVER,
    kubeconfig: env.GPULAB_KUBECONFIG,
    nodeLabel: env.GPULAB_KUBE_NODE_LABEL,
    workerGpuImage: env.GPULAB_KUBE_WORKER_GPU_IMAGE,
    workerCpuImage: env.GPULAB_KUBE_WORKER_CPU_IMAGE,
    dataMounts: env.GPULAB_KUBE_DATA_MOUNTS,
    ttlAfterFinished: env.GPULAB_KUBE_TTL_AFTER_FINISHED,
    maxRunTime: env.GPULAB_KUBE_MAX_RUN_TIME,
    reconcileInterval: env.GPULAB_KUBE_RECONCILE_INTERVAL,
    retryBackoff: env.GPULAB_KUBE_RETRY_BACKOFF,
    createTimeout: env.GPULAB_KUBE_CREATE_TIMEOUT,
  };
}

function parseDataMounts(text: string): DataMount[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part) => {
      const fields = part.split(':');
      if (fields.length === 3 && fields[0] === 'pvc' && fields[1] && fields[2]?.startsWith('/')) return { claim: fields[1], mountPath: fields[2] };
      if (fields.length === 2 && fields[0].startsWith('/') && fields[1].startsWith('/')) return { hostPath: fields[0], mountPath: fields[1] };
      throw new Error(`kubernetes.dataMounts (GPULAB_KUBE_DATA_MOUNTS): "${part}" is neither /node/folder:/mount/path nor pvc:claim:/mount/path`);
    });
}
