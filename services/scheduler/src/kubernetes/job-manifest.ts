import { type GpuAddress, type JobRecord } from '@gpulab/contracts';
import type { V1EnvVar, V1Job, V1PodSpec, V1ResourceRequirements, V1Secret, V1SecurityContext, V1Volume, V1VolumeMount } from '@kubernetes/client-node';
import { isImageReference, POD_ENTRY_NAME, POD_ENTRY_SCRIPT } from '@gpulab/run-job';
import { type KubernetesConfig } from './kubernetes-config';
import { KubeLabels, kubeJobName, labelValue, MANAGED_BY } from './job-names';

/** The kind whose main container is the team's own image (`gpulab run --image …`). */
export const RUN_KIND = 'run';

/** The GPU resource the NVIDIA device plugin advertises. */
export const GPU_RESOURCE = 'nvidia.com/gpu';

/** The node label Kubernetes sets to the node's name; what a Job is pinned by. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

/** Where the main container and the worker sidecar of a `run` job exchange files. */
export const SHARED_MOUNT = '/gpulab/shared';

/**
 * The user and group the worker beside a team's container runs as: not 0, and none an image's
 * user has by convention (1000, 65532, 65534), since in the pod's shared PID namespace a
 * process of the same user could read the worker's environment (its NATS credentials) and
 * signal it.
 */
export const RUN_WORKER_UID = 64242;

/**
 * The worker container's settings in a `run` job's pod: its own user, no capabilities and no
 * way to gain any. Without CAP_SYS_PTRACE a team's process, root or not, cannot read the
 * worker's `/proc/<pid>/environ`, memory or files; a root one may still signal it, which ends
 * only that team's own attempt.
 */
export const RUN_WORKER_SECURITY: V1SecurityContext = {
  runAsUser: RUN_WORKER_UID,
  runAsGroup: RUN_WORKER_UID,
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
};

/** The key of the attempt's NATS credentials in its Secret. */
export const CREDENTIALS_KEY = 'nats.creds';

/** What the manifest needs besides the job and its placement. */
export interface ManifestContext {
  config: KubernetesConfig;
  natsUrl: string;
  /** Variables every worker gets (log level, heartbeat interval). */
  workerEnv: Record<string, string>;
  /** The attempt's NATS credentials are in the Secret of the Job's name (`buildCredentialsSecret`). */
  credentials?: boolean;
  /** Epoch ms when the slot the job runs in ends; absent outside a slot (`maxRunMs` applies). */
  slotEndMs?: number;
  nowMs: number;
  /** From a stop notice to the kill: the deadline's margin past the slot's end, and the pod's termination grace. */
  preemptGraceMs: number;
}

/**
 * The `batch/v1` Job of one attempt, pinned to the placed node and GPUs. Retries are the
 * scheduler's (`backoffLimit: 0`, `restartPolicy: Never`): a pod Kubernetes restarted on its own
 * would be an attempt the scheduler does not know.
 *
 * GPUs: the limit makes the kubelet count the attempt's GPUs; which ones it gets is the
 * scheduler's choice (slots are GPU pairs), passed in `NVIDIA_VISIBLE_DEVICES`. The NVIDIA
 * container toolkit honours that variable when the device plugin hands over its own pick as
 * volume mounts it is told to ignore (see docs/architecture.md, "The Kubernetes launcher").
 * Inside the container the visible GPUs are numbered from 0, so `CUDA_VISIBLE_DEVICES` counts
 * from 0 and the node's indices travel in `GPULAB_GPUS`.
 */
export function buildJobManifest(job: JobRecord, gpus: readonly GpuAddress[], ctx: ManifestContext): V1Job {
  const { config } = ctx;
  const name = kubeJobName(job.id, job.attempt);
  const labels = attemptLabels(job);
  const node = gpus[0]?.server;
  const env: V1EnvVar[] = [
    ...Object.entries(ctx.workerEnv).map(([key, value]) => ({ name: key, value })),
    { name: 'GPULAB_NATS_URL', value: ctx.natsUrl },
    { name: 'GPULAB_JOB_ID', value: job.id },
    { name: 'GPULAB_ATTEMPT', value: String(job.attempt) },
    { name: 'GPULAB_GPUS', value: gpus.map((g) => `${g.server}:${g.index}`).join(',') },
    { name: 'NVIDIA_VISIBLE_DEVICES', value: gpus.length > 0 ? gpus.map((g) => g.index).join(',') : 'void' },
    { name: 'CUDA_VISIBLE_DEVICES', value: gpus.map((_, i) => i).join(',') },
    // From a Secret, not the Job's spec: whoever may read Jobs must not get a worker's identity.
    ...(ctx.credentials ? [{ name: 'GPULAB_NATS_CREDS_TEXT', valueFrom: { secretKeyRef: { name, key: CREDENTIALS_KEY } } }] : []),
  ];
  const limits = gpus.length > 0 ? { [GPU_RESOURCE]: String(gpus.length) } : undefined;
  const resources = workResources(config.workerPod.resources, limits);
  const dataVolumes: V1Volume[] = config.dataMounts.map((m, i) =>
    m.claim ? { name: `data-${i}`, persistentVolumeClaim: { claimName: m.claim, readOnly: true } } : { name: `data-${i}`, hostPath: { path: m.hostPath as string, type: 'Directory' } },
  );
  const dataMounts: V1VolumeMount[] = config.dataMounts.map((m, i) => ({ name: `data-${i}`, mountPath: m.mountPath, readOnly: true }));
  // The worker names each folder for a run command's GPULAB_DATA (`$GPULAB_DATA/<name>`).
  if (config.dataMounts.length > 0) env.push({ name: 'GPULAB_DATA_MOUNTS', value: config.dataMounts.map((m) => `${m.name}=${m.mountPath}`).join(',') });
  const run = job.kind === RUN_KIND ? runParams(job) : undefined;
  const spec = run ? runPodSpec(run, env, resources, dataMounts, dataVolumes, config) : {
    containers: [{ name: 'worker', image: gpus.length > 0 ? config.workerGpuImage : config.workerCpuImage, env, resources, volumeMounts: dataMounts }],
    volumes: dataVolumes,
  };
  const { tolerations, nodeSelector, imagePullSecrets } = config.workerPod;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace: config.namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: deadlineSeconds(ctx),
      ttlSecondsAfterFinished: config.ttlAfterFinishedSeconds,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: 'Never',
          terminationGracePeriodSeconds: Math.ceil(ctx.preemptGraceMs / 1000),
          automountServiceAccountToken: false,
          tolerations,
          nodeSelector,
          imagePullSecrets,
          affinity: node
            ? { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: HOSTNAME_LABEL, operator: 'In', values: [node] }] }] } } }
            : undefined,
          ...spec,
        },
      },
    },
  };
}

/**
 * A `run` job's pod: the team's image as the main container, running the gpulab entry
 * (`POD_ENTRY_SCRIPT`, POSIX sh) in front of the command, and the worker as a second, ordinary
 * container beside it; they share the `emptyDir` at {@link SHARED_MOUNT}, where the worker puts
 * the attempt's folders and tails the command's output and exit status (`POD_ENTRY_FILES`).
 *
 * Not a native sidecar (an init container with `restartPolicy: Always`): that needs Kubernetes
 * 1.28 with a feature gate, 1.29 by default, and the chart supports 1.27. Two ordinary
 * containers end the pod when both have ended, which they do together: the worker leaves once
 * it has the command's exit and has stored what it left.
 *
 * The main container gets no credentials and none of the worker's variables: its command's
 * environment is what the worker writes into `command.sh`, as it would give a local command.
 * It does the work, so it gets the pod template's resources and the GPUs, which are counted on
 * it alone; the worker sees them through `NVIDIA_VISIBLE_DEVICES`.
 *
 * One PID namespace for the pod (`shareProcessNamespace`), so the worker can sample the
 * command's processes in `/proc` as it does a local command's; the worker runs as its own user
 * ({@link RUN_WORKER_SECURITY}), so the team's processes cannot read or trace it. The main
 * container keeps the image's user: a team's image may need root.
 */
function runPodSpec(
  run: { image: string; command: string[] },
  workerEnv: V1EnvVar[],
  resources: V1ResourceRequirements | undefined,
  dataMounts: V1VolumeMount[],
  dataVolumes: V1Volume[],
  config: KubernetesConfig,
): Pick<V1PodSpec, 'containers' | 'volumes' | 'shareProcessNamespace'> {
  const shared: V1VolumeMount = { name: 'shared', mountPath: SHARED_MOUNT };
  const sharedEnv: V1EnvVar = { name: 'GPULAB_SHARED_DIR', value: SHARED_MOUNT };
  const gpuEnv = workerEnv.filter((e) => e.name === 'NVIDIA_VISIBLE_DEVICES');
  return {
    shareProcessNamespace: true,
    containers: [
      {
        name: 'main',
        image: run.image,
        command: ['/bin/sh', '-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...run.command],
        env: [sharedEnv, ...gpuEnv],
        resources,
        volumeMounts: [...dataMounts, shared],
      },
      { name: 'worker', image: config.workerCpuImage, env: [...workerEnv, sharedEnv], volumeMounts: [...dataMounts, shared], securityContext: RUN_WORKER_SECURITY },
    ],
    volumes: [...dataVolumes, { name: 'shared', emptyDir: {} }],
  };
}

/**
 * The attempt's NATS credentials, named as its Job and labelled as it, so what finds and
 * deletes the Job finds and deletes them. Created before the Job: a pod that started first
 * would fail on the missing Secret.
 */
export function buildCredentialsSecret(job: JobRecord, namespace: string, creds: string): V1Secret {
  return { apiVersion: 'v1', kind: 'Secret', type: 'Opaque', metadata: { name: kubeJobName(job.id, job.attempt), namespace, labels: attemptLabels(job) }, stringData: { [CREDENTIALS_KEY]: creds } };
}

/** The labels of an attempt's Job, its pods and its Secret. */
export function attemptLabels(job: JobRecord): Record<string, string> {
  return {
    [KubeLabels.managedBy]: MANAGED_BY,
    [KubeLabels.job]: labelValue(job.id),
    [KubeLabels.attempt]: String(job.attempt),
    [KubeLabels.team]: labelValue(job.team),
    [KubeLabels.kind]: labelValue(job.kind),
  };
}

/** The team's image and command of a `run` job; refused here if the record lacks them. */
export function runParams(job: JobRecord): { image: string; command: string[] } {
  const { image, command } = job.params as { image?: unknown; command?: unknown };
  if (typeof image !== 'string' || image === '') throw new Error(`job ${job.id} of kind run names no image`);
  // The gateway refused it at submission already; a record from elsewhere is checked again.
  if (!isImageReference(image)) throw new Error(`"${image.slice(0, 80)}" is not an image reference (REGISTRY/IMAGE:TAG)`);
  const args = Array.isArray(command) ? command.map(String) : typeof command === 'string' ? [command] : [];
  return { image, command: args };
}

/** The pod template's requests and limits with the attempt's GPUs added to the limits. */
function workResources(template: V1ResourceRequirements | undefined, gpuLimits: Record<string, string> | undefined): V1ResourceRequirements | undefined {
  const limits = { ...template?.limits, ...gpuLimits };
  const resources: V1ResourceRequirements = { ...(template?.requests ? { requests: template.requests } : {}), ...(Object.keys(limits).length > 0 ? { limits } : {}) };
  return Object.keys(resources).length > 0 ? resources : undefined;
}

/** Up to the slot's end plus the grace a stop notice gives: the deadline only ends what the scheduler failed to stop. */
function deadlineSeconds(ctx: ManifestContext): number {
  const untilMs = ctx.slotEndMs === undefined ? ctx.nowMs + ctx.config.maxRunMs : ctx.slotEndMs;
  return Math.max(1, Math.ceil((untilMs - ctx.nowMs + ctx.preemptGraceMs) / 1000));
}
