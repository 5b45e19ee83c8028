import { type GpuAddress, type JobRecord } from '@gpulab/contracts';
import type { V1Job, V1Node, V1Pod, V1Secret } from '@kubernetes/client-node';
import { type Clock } from '../clock';
import { type LaunchContext, type Launcher, type WorkerExit } from '../launcher';
import { KubeApiError } from './kube-api-error';
import { type KubeClient } from './kube-client';
import { type KubernetesConfig } from './kubernetes-config';
import { buildCredentialsSecret, buildJobManifest } from './job-manifest';
import { jobNameOfHandle, kubeHandle, kubeJobName, MANAGED_SELECTOR } from './job-names';
import { type CourseNode, courseNodes } from './node-inventory';
import { deadlineExceeded, failed, nodeLostReason, type PodEnd, PodFailureCauses, podOutcome } from './pod-outcome';
import { type LiveAttempt, reconcile } from './reconcile';
import { ResumableWatch } from './resumable-watch';

/** The label the Job controller puts on its pods. */
const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
const MAX_BACKOFF_MS = 30_000;
const START_RECONCILE_WAIT_MS = 10_000;

/** Where the launcher tells what it did and what went wrong; pino's `(object, message)` shape. */
export interface LauncherLog {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface KubernetesLauncherOptions {
  config: KubernetesConfig;
  client: KubeClient;
  clock: Clock;
  log: LauncherLog;
  natsUrl: string;
  /** The deadline's margin past a slot's end, and the pods' termination grace. */
  preemptGraceMs: number;
  /** The grace a Job of no live attempt gets when reconciliation deletes it. */
  stopGraceMs: number;
  /** Variables every worker gets besides the job's own. */
  workerEnv?: Record<string, string>;
  /** The attempt's NATS credentials (`.creds` text); without it workers connect anonymously. */
  credentials?: (job: JobRecord) => Promise<string>;
}

interface Tracked extends LiveAttempt {
  stopping: boolean;
  ended: boolean;
  podSeen: boolean;
  node?: string;
  /** The reconciliation round under way (or last begun) when its Job was known to exist. */
  confirmedIn: number;
  /** Epoch ms of its Job's `activeDeadlineSeconds`; unknown for an adopted attempt. */
  deadlineAtMs?: number;
}

/**
 * One `batch/v1` Job per job attempt, followed through a watch on its pods and one on the course
 * nodes. `launch` answers at once with the handle (the Job's name is known before it exists),
 * so a slow or unreachable API server holds up no scheduling cycle; the create is retried with
 * backoff, and a refusal (RBAC, quota, an invalid object) ends the attempt with the API's
 * message.
 */
export class KubernetesLauncher implements Launcher {
  /** A run job's command runs in the team's image, the worker beside it (`buildJobManifest`). */
  readonly teamImages = true;
  private readonly byName = new Map<string, Tracked>();
  private readonly byJob = new Map<string, Tracked>();
  private readonly exitListeners: ((exit: WorkerExit) => void)[] = [];
  private readonly nodeListeners: ((nodes: CourseNode[]) => void)[] = [];
  private readonly nodes = new Map<string, CourseNode>();
  private readonly pods: ResumableWatch<V1Pod>;
  private readonly nodeWatch: ResumableWatch<V1Node>;
  private reconcileTimer?: NodeJS.Timeout;
  private started = false;
  private closed = false;
  private round = 0;

  constructor(private readonly options: KubernetesLauncherOptions) {
    const { config, client } = options;
    this.pods = new ResumableWatch<V1Pod>(client.watch, {
      path: `/api/v1/namespaces/${config.namespace}/pods`,
      labelSelector: MANAGED_SELECTOR,
      list: () => client.core.listNamespacedPod({ namespace: config.namespace, labelSelector: MANAGED_SELECTOR }),
      onList: (pods) => this.podsListed(pods),
      onEvent: (type, pod) => this.podEvent(type, pod),
      onError: (err) => options.log.warn({ err: String(err) }, 'pod watch failed; resuming'),
      backoffMs: config.retryBackoffMs,
    });
    this.nodeWatch = new ResumableWatch<V1Node>(client.watch, {
      path: '/api/v1/nodes',
      labelSelector: this.nodeSelector(),
      list: () => client.core.listNode({ labelSelector: this.nodeSelector() }),
      onList: (nodes) => this.nodesListed(nodes),
      onEvent: (type, node) => this.nodeEvent(type, node),
      onError: (err) => options.log.warn({ err: String(err) }, 'node watch failed; resuming'),
      backoffMs: config.retryBackoffMs,
    });
  }

  /** The course nodes now: the inventory of a first start. */
  async listCourseNodes(): Promise<CourseNode[]> {
    try {
      const list = await this.options.client.core.listNode({ labelSelector: this.nodeSelector() });
      return courseNodes(list.items);
    } catch (error) {
      throw KubeApiError.from(error, 'listing the course nodes');
    }
  }

  /** Hears the course nodes each time one changes (added, not ready, gone, back). */
  onNodes(listener: (nodes: CourseNode[]) => void): void {
    this.nodeListeners.push(listener);
  }

  async launch(job: JobRecord, gpus: readonly GpuAddress[], context?: LaunchContext): Promise<{ handle: string }> {
    const { config } = this.options;
    const creds = await this.options.credentials?.(job);
    const nowMs = this.options.clock.now().getTime();
    const manifest = buildJobManifest(job, gpus, {
      config,
      natsUrl: this.options.natsUrl,
      workerEnv: { ...this.options.workerEnv },
      credentials: creds !== undefined,
      slotEndMs: context?.slotEndMs,
      nowMs,
      preemptGraceMs: this.options.preemptGraceMs,
    });
    const tracked = this.track(job.id, job.attempt, true);
    tracked.deadlineAtMs = nowMs + (manifest.spec?.activeDeadlineSeconds ?? 0) * 1000;
    this.ensureStarted();
    void this.create(tracked, manifest, creds === undefined ? undefined : buildCredentialsSecret(job, config.namespace, creds));
    return { handle: kubeHandle(config.namespace, tracked.name) };
  }

  adopt(job: JobRecord, handle: string): boolean {
    if (jobNameOfHandle(handle) !== kubeJobName(job.id, job.attempt)) return false;
    this.track(job.id, job.attempt, false);
    this.ensureStarted();
    return true;
  }

  /**
   * Every adopted attempt is known: Jobs of none are deleted, attempts of no Job requeued. Waits
   * at most `START_RECONCILE_WAIT_MS`: an API server that does not answer must not keep the
   * scheduler from serving; the round goes on and its requeues come as exits.
   */
  async adopted(): Promise<void> {
    this.ensureStarted();
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => (timer = setTimeout(resolve, START_RECONCILE_WAIT_MS)));
    await Promise.race([this.reconcileNow(), waited]);
    clearTimeout(timer);
  }

  /** Deletes the attempt's pods with `graceMs` of grace (SIGTERM first, SIGKILL at its end), then its Job. */
  stop(jobId: string, graceMs: number): void {
    const tracked = this.byJob.get(jobId);
    if (!tracked || tracked.stopping) return;
    tracked.stopping = true;
    void this.remove(tracked.name, graceMs).then(() => {
      // A Job deleted before its pod existed sends no pod event to end the attempt by.
      if (!tracked.podSeen) this.ended(tracked, { code: null, signal: 'SIGTERM' });
    });
  }

  onExit(listener: (exit: WorkerExit) => void): void {
    this.exitListeners.push(listener);
  }

  /** Leaves the Jobs running: the next leader adopts them. */
  async close(): Promise<void> {
    this.closed = true;
    this.started = false;
    this.pods.close();
    this.nodeWatch.close();
    clearInterval(this.reconcileTimer);
    this.byName.clear();
    this.byJob.clear();
  }

  private ensureStarted(): void {
    if (this.started) return;
    this.started = true;
    this.closed = false;
    this.pods.start();
    this.nodeWatch.start();
    this.reconcileTimer = setInterval(() => void this.reconcileNow(), this.options.config.reconcileIntervalMs);
    this.reconcileTimer.unref();
  }

  private nodeSelector(): string {
    const { key, value } = this.options.config.nodeLabel;
    return value === undefined ? key : `${key}=${value}`;
  }

  private track(jobId: string, attempt: number, creating: boolean): Tracked {
    const previous = this.byJob.get(jobId);
    if (previous) this.byName.delete(previous.name);
    const tracked: Tracked = { jobId, attempt, name: kubeJobName(jobId, attempt), creating, stopping: false, ended: false, podSeen: false, confirmedIn: this.round };
    this.byName.set(tracked.name, tracked);
    this.byJob.set(jobId, tracked);
    return tracked;
  }

  private isCurrent(tracked: Tracked): boolean {
    return !this.closed && !tracked.ended && this.byName.get(tracked.name) === tracked;
  }

  private async create(tracked: Tracked, manifest: V1Job, secret: V1Secret | undefined): Promise<void> {
    const { config, client, clock, log } = this.options;
    const giveUpAt = clock.now().getTime() + config.createTimeoutMs;
    let waitMs = config.retryBackoffMs;
    let secretMade = secret === undefined;
    while (this.isCurrent(tracked)) {
      if (tracked.stopping) {
        // Stopped before its Job was known to exist: one that did get created is an orphan for reconciliation.
        this.ended(tracked, { code: null, signal: 'SIGTERM' });
        return;
      }
      try {
        if (!secretMade) {
          // An earlier try's Secret (409) holds the same attempt's credentials.
          await createdOrExists(() => client.core.createNamespacedSecret({ namespace: config.namespace, body: secret as V1Secret }), `creating the credentials of ${tracked.name}`);
          secretMade = true;
        }
        // An earlier try (or an earlier scheduler) that created the Job made this attempt's: the name is the attempt's.
        const made = await createdOrExists(() => client.batch.createNamespacedJob({ namespace: config.namespace, body: manifest }), `creating the Kubernetes Job ${tracked.name}`);
        this.confirmed(tracked);
        log.info({ jobId: tracked.jobId, attempt: tracked.attempt, kubeJob: tracked.name }, made ? 'Kubernetes Job created' : 'Kubernetes Job existed already');
        return;
      } catch (raw) {
        const error = KubeApiError.from(raw, `creating the Kubernetes Job ${tracked.name}`);
        if (!error.retryable || clock.now().getTime() + waitMs > giveUpAt) {
          this.ended(
            tracked,
            error.retryable
              ? failed(PodFailureCauses.createRefused, `the Kubernetes API could not be reached for ${Math.round(config.createTimeoutMs / 1000)} s: ${error.message}`, true)
              : failed(PodFailureCauses.createRefused, `the cluster refused to start it: ${error.message}`, false),
          );
          // Its credentials, and a Job a lost answer may have hidden, go with it.
          void this.remove(tracked.name, 0);
          return;
        }
        log.warn({ jobId: tracked.jobId, attempt: tracked.attempt, err: error.message, retryInMs: waitMs }, 'Kubernetes Job not created yet; trying again');
        await delay(waitMs);
        waitMs = Math.min(waitMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private confirmed(tracked: Tracked): void {
    tracked.creating = false;
    tracked.confirmedIn = this.round;
  }

  /** Deletes a Job's pods, then the Job and its credentials, asking again while the API cannot be reached. */
  private async remove(name: string, graceMs: number): Promise<void> {
    const { config, client, log } = this.options;
    const namespace = config.namespace;
    const gracePeriodSeconds = Math.ceil(graceMs / 1000);
    let waitMs = config.retryBackoffMs;
    while (!this.closed) {
      try {
        await client.core.deleteCollectionNamespacedPod({ namespace, labelSelector: `${JOB_NAME_LABEL}=${name}`, gracePeriodSeconds });
        await unlessGone(() => client.batch.deleteNamespacedJob({ name, namespace, propagationPolicy: 'Background', gracePeriodSeconds }), `deleting the Kubernetes Job ${name}`);
        await unlessGone(() => client.core.deleteNamespacedSecret({ name, namespace }), `deleting the credentials of ${name}`);
        log.info({ kubeJob: name, gracePeriodSeconds }, 'Kubernetes Job deleted');
        return;
      } catch (raw) {
        const error = KubeApiError.from(raw, `deleting the Kubernetes Job ${name}`);
        if (!error.retryable) {
          log.warn({ kubeJob: name, err: error.message }, 'Kubernetes Job not deleted');
          return;
        }
        await delay(waitMs);
        waitMs = Math.min(waitMs * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private ended(tracked: Tracked, end: PodEnd): void {
    if (tracked.ended) return;
    tracked.ended = true;
    if (this.byName.get(tracked.name) === tracked) this.byName.delete(tracked.name);
    if (this.byJob.get(tracked.jobId) === tracked) this.byJob.delete(tracked.jobId);
    if (end.failure) this.options.log.warn({ jobId: tracked.jobId, attempt: tracked.attempt, cause: end.failure.code, reason: end.failure.reason }, 'attempt ended in the cluster');
    const exit: WorkerExit = { jobId: tracked.jobId, attempt: tracked.attempt, ...end };
    for (const listener of this.exitListeners) listener(exit);
  }

  private podsListed(pods: V1Pod[]): void {
    const present = new Set(pods.map(jobNameOfPod));
    // Pods deleted while the watch was down sent no event.
    for (const tracked of [...this.byName.values()]) if (tracked.podSeen && !present.has(tracked.name)) this.ended(tracked, { code: null, signal: null });
    for (const pod of pods) this.podEvent('MODIFIED', pod);
  }

  private podEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: V1Pod): void {
    const tracked = this.byName.get(jobNameOfPod(pod) ?? '');
    if (!tracked || tracked.ended) return;
    tracked.podSeen = true;
    tracked.node = pod.spec?.nodeName ?? tracked.node;
    const end = podOutcome(pod);
    if (type === 'DELETED') {
      // The Job controller deletes the pods of a Job past its deadline without saying why on them.
      const expired = !tracked.stopping && tracked.deadlineAtMs !== undefined && this.options.clock.now().getTime() >= tracked.deadlineAtMs;
      this.ended(tracked, end ?? (expired ? deadlineExceeded() : { code: null, signal: tracked.stopping ? 'SIGTERM' : null }));
      return;
    }
    if (!end) return;
    this.ended(tracked, end);
    // A pod that cannot start (its image, its configuration) would wait for good, holding its GPUs.
    const phase = pod.status?.phase;
    if (end.failure && phase !== 'Failed' && phase !== 'Succeeded') void this.remove(tracked.name, 0);
  }

  private nodesListed(nodes: V1Node[]): void {
    this.nodes.clear();
    for (const node of courseNodes(nodes)) this.nodes.set(node.name, node);
    this.nodesChanged();
  }

  private nodeEvent(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: V1Node): void {
    const [node] = courseNodes([object]);
    if (!node) return;
    if (type === 'DELETED') this.nodes.delete(node.name);
    else this.nodes.set(node.name, node);
    this.nodesChanged();
  }

  /** Attempts on a node that is gone or not ready are lost: requeued within their budget. */
  private nodesChanged(): void {
    for (const tracked of [...this.byName.values()]) {
      if (!tracked.node || this.nodes.get(tracked.node)?.ready === true) continue;
      this.ended(tracked, failed(PodFailureCauses.nodeLost, nodeLostReason(tracked.node), true));
      void this.remove(tracked.name, 0);
    }
    const nodes = [...this.nodes.values()];
    for (const listener of this.nodeListeners) listener(nodes);
  }

  private async reconcileNow(): Promise<void> {
    const { config, client, log } = this.options;
    const round = ++this.round;
    try {
      const list = await client.batch.listNamespacedJob({ namespace: config.namespace, labelSelector: MANAGED_SELECTOR });
      const secrets = await client.core.listNamespacedSecret({ namespace: config.namespace, labelSelector: MANAGED_SELECTOR });
      if (this.closed) return;
      const jobs = list.items.map((j) => ({ name: j.metadata?.name ?? '', finished: (j.status?.conditions ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') }));
      // An attempt confirmed after the list was asked for may be missing from it without being lost.
      const live = [...this.byName.values()].map((t) => ({ ...t, creating: t.creating || t.confirmedIn >= round }));
      const { deletes, secretDeletes, missing } = reconcile(
        live,
        jobs,
        secrets.items.map((secret) => secret.metadata?.name ?? ''),
      );
      for (const name of secretDeletes) void unlessGone(() => client.core.deleteNamespacedSecret({ name, namespace: config.namespace }), `deleting the credentials of ${name}`).catch(() => undefined);
      for (const name of deletes) {
        log.warn({ kubeJob: name }, 'Kubernetes Job of no live attempt; deleting it');
        void this.remove(name, this.options.stopGraceMs);
      }
      for (const attempt of missing) {
        const tracked = this.byName.get(attempt.name);
        if (tracked) this.ended(tracked, failed(PodFailureCauses.jobGone, 'its Kubernetes Job was gone', true));
      }
    } catch (raw) {
      log.warn({ err: KubeApiError.from(raw, 'listing the Kubernetes Jobs').message }, 'reconciliation skipped; trying again at the next round');
    }
  }
}

/** Runs a create; false when the object existed already (409). */
async function createdOrExists(create: () => Promise<unknown>, doing: string): Promise<boolean> {
  try {
    await create();
    return true;
  } catch (raw) {
    const error = KubeApiError.from(raw, doing);
    if (error.status === 409) return false;
    throw error;
  }
}

/** Runs a delete; one of an object already gone (404) is done. */
async function unlessGone(remove: () => Promise<unknown>, doing: string): Promise<void> {
  try {
    await remove();
  } catch (raw) {
    const error = KubeApiError.from(raw, doing);
    if (error.status !== 404) throw error;
  }
}

function jobNameOfPod(pod: V1Pod): string | undefined {
  return pod.metadata?.labels?.[JOB_NAME_LABEL] ?? pod.metadata?.labels?.['job-name'];
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
