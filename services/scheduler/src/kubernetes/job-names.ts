import { createHash } from 'node:crypto';

/** The labels every object the launcher creates carries; the selectors it finds them by. */
export const KubeLabels = {
  managedBy: 'app.kubernetes.io/managed-by',
  job: 'gpulab.dev/job',
  attempt: 'gpulab.dev/attempt',
  team: 'gpulab.dev/team',
  kind: 'gpulab.dev/kind',
} as const;

/** The value of `app.kubernetes.io/managed-by` on everything this launcher made. */
export const MANAGED_BY = 'gpulab-scheduler';

/** Selects every Job and Pod this launcher made, and nothing else in the namespace. */
export const MANAGED_SELECTOR = `${KubeLabels.managedBy}=${MANAGED_BY}`;

/** A label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends. */
export function labelValue(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  if (cleaned.length <= 63) return cleaned;
  return `${cleaned.slice(0, 52).replace(/[^A-Za-z0-9]+$/, '')}-${shortHash(text)}`;
}

/**
 * The Job of one attempt. A function of the job id and attempt alone, so a scheduler that
 * restarts mid-launch and creates it again meets `409 AlreadyExists` instead of a second Job.
 * A DNS-1123 name; ids too long or unfit for one keep a hash of the whole id, so two ids never
 * share a name.
 */
export function kubeJobName(jobId: string, attempt: number): string {
  const suffix = `-a${attempt}`;
  const cleaned = jobId.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '');
  const room = 63 - 'gpulab-'.length - suffix.length;
  const body = cleaned === jobId && cleaned.length <= room ? cleaned : `${cleaned.slice(0, room - 11).replace(/-+$/, '')}-${shortHash(jobId)}`;
  return `gpulab-${body}${suffix}`;
}

/** The handle recorded in the job record: the Job's namespace and name. */
export function kubeHandle(namespace: string, name: string): string {
  return `k8s:${namespace}/${name}`;
}

/** The Job's name in a handle of this launcher; undefined for any other handle (`pid:…`). */
export function jobNameOfHandle(handle: string): string | undefined {
  const match = /^k8s:[^/]+\/(.+)$/.exec(handle);
  return match?.[1];
}

function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 10);
}
