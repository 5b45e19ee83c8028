import { readFileSync } from 'node:fs';
import type { V1LocalObjectReference, V1ResourceRequirements, V1Toleration } from '@kubernetes/client-node';
import { parseDurationMs } from '@gpulab/platform';

/** A course data folder the job's containers see read-only. */
export interface DataMount {
  /** Folder on the node (`hostPath`), or absent when `claim` is given. */
  hostPath?: string;
  /** A PersistentVolumeClaim in the launcher's namespace. */
  claim?: string;
  /** Where the containers see it. */
  mountPath: string;
  /** The mount path's last folder: a run command finds it as `$GPULAB_DATA/<name>`. */
  name: string;
}

/**
 * What the launcher takes from the chart's worker pod template (`v1/PodTemplate`, JSON): where
 * attempts may run and what they may use. Its container's image, environment and mounts are
 * the launcher's own, and its security context is not applied: a team's image may need root.
 */
export interface WorkerPodSettings {
  /** The course nodes are tainted for these Jobs alone; their pods must tolerate it. */
  tolerations?: V1Toleration[];
  nodeSelector?: Record<string, string>;
  imagePullSecrets?: V1LocalObjectReference[];
  /** The requests and limits of the container that does the work (the worker, or a team's image); the GPU limit is added. */
  resources?: V1ResourceRequirements;
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
  /** The chart's worker pod template (a `v1/PodTemplate` as JSON): tolerations, node selector, pull secrets, resources. @default none */
  podTemplate?: string;
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
  workerPod: WorkerPodSettings;
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
/** A DNS-1123 subdomain: what a PersistentVolumeClaim's name must be. */
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

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
    workerPod: o.podTemplate ? workerPodSettings(readTemplate(o.podTemplate), o.podTemplate) : {},
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
    podTemplate: env.GPULAB_KUBE_POD_TEMPLATE,
    ttlAfterFinished: env.GPULAB_KUBE_TTL_AFTER_FINISHED,
    maxRunTime: env.GPULAB_KUBE_MAX_RUN_TIME,
    reconcileInterval: env.GPULAB_KUBE_RECONCILE_INTERVAL,
    retryBackoff: env.GPULAB_KUBE_RETRY_BACKOFF,
    createTimeout: env.GPULAB_KUBE_CREATE_TIMEOUT,
  };
}

const TEMPLATE_FIELD = 'kubernetes.podTemplate (GPULAB_KUBE_POD_TEMPLATE)';
/** A pod template far larger than the chart's is not one. */
const MAX_TEMPLATE_BYTES = 256 * 1024;

function readTemplate(path: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (text.length > MAX_TEMPLATE_BYTES) throw new Error(`it has ${text.length} characters; at most ${MAX_TEMPLATE_BYTES}`);
    return text;
  } catch (error) {
    throw new Error(`${TEMPLATE_FIELD}: ${path} cannot be read: ${(error as Error).message}`, { cause: error });
  }
}

/** The settings of a `v1/PodTemplate` as the chart renders it; `source` names it in errors. */
export function workerPodSettings(json: string, source: string): WorkerPodSettings {
  let template: { kind?: unknown; template?: { spec?: { tolerations?: unknown; nodeSelector?: unknown; imagePullSecrets?: unknown; containers?: { resources?: unknown }[] } } };
  try {
    template = JSON.parse(json) as typeof template;
  } catch (error) {
    throw new Error(`${TEMPLATE_FIELD}: ${source} is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const spec = template.template?.spec;
  if (template.kind !== 'PodTemplate' || !spec || !Array.isArray(spec.containers)) throw new Error(`${TEMPLATE_FIELD}: ${source} is not a v1 PodTemplate with containers`);
  const list = <T>(value: unknown, name: string): T[] | undefined => {
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw new Error(`${TEMPLATE_FIELD}: ${source}: ${name} is not a list`);
    return value.length > 0 ? (value as T[]) : undefined;
  };
  const nodeSelector = spec.nodeSelector;
  if (nodeSelector !== undefined && nodeSelector !== null && (typeof nodeSelector !== 'object' || Array.isArray(nodeSelector))) throw new Error(`${TEMPLATE_FIELD}: ${source}: nodeSelector is not a map`);
  const resources = spec.containers[0]?.resources as V1ResourceRequirements | undefined;
  return {
    tolerations: list<V1Toleration>(spec.tolerations, 'tolerations'),
    nodeSelector: nodeSelector && Object.keys(nodeSelector).length > 0 ? (nodeSelector as Record<string, string>) : undefined,
    imagePullSecrets: list<V1LocalObjectReference>(spec.imagePullSecrets, 'imagePullSecrets'),
    resources: resources && Object.keys(resources).length > 0 ? resources : undefined,
  };
}

/** What the worker accepts as a data folder's name (`GPULAB_DATA_MOUNTS`). */
const DATA_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
/** Absolute, without `..` or empty parts: a mount path Kubernetes takes as it is. */
const MOUNT_PATH = /^(?:\/[A-Za-z0-9._-]+)+$/;

/**
 * `/node/folder:/mount/path` (a `hostPath`) or `pvc:claim:/mount/path`, comma separated: the
 * one format the chart renders (`worker.dataMounts`) and this reads.
 */
export function parseDataMounts(text: string): DataMount[] {
  const field = 'kubernetes.dataMounts (GPULAB_KUBE_DATA_MOUNTS)';
  const mounts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .map((part): DataMount => {
      const fields = part.split(':');
      const mountPath = fields[fields.length - 1] ?? '';
      const name = mountPath.split('/').pop() ?? '';
      const ok = MOUNT_PATH.test(mountPath) && DATA_NAME.test(name) && !mountPath.split('/').includes('..');
      if (ok && fields.length === 3 && fields[0] === 'pvc' && DNS_SUBDOMAIN.test(fields[1] ?? '')) return { claim: fields[1], mountPath, name };
      if (ok && fields.length === 2 && MOUNT_PATH.test(fields[0] ?? '')) return { hostPath: fields[0], mountPath, name };
      throw new Error(`${field}: "${part.slice(0, 200)}" is neither /node/folder:/mount/path nor pvc:claim:/mount/path`);
    });
  const seen = new Set<string>();
  for (const m of mounts) {
    if (seen.has(m.name)) throw new Error(`${field}: two mount paths end in "${m.name}"; a run command finds each as $GPULAB_DATA/<last folder>, so they must differ`);
    seen.add(m.name);
  }
  return mounts;
}
