import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, type Socket } from 'node:net';
import { parseLabelSelector } from './label-selector';
import { status, type Status } from './status';
import { loadSchemaValidators, type SchemaValidators } from './schema-validators';

/** Any object the server keeps: what the tests read and play. */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    ownerReferences?: { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }[];
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** One request as it arrived. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  /** The answer's HTTP status (200 for a watch that was opened). */
  status: number;
}

/** What a test can make the next matching request answer instead of the real thing. */
export interface Refusal {
  method: string;
  /** Matched against the path: `/jobs` refuses Job creation and deletion alike. */
  pathIncludes: string;
  code: number;
  reason: string;
  message: string;
  /** How many requests it answers; @default 1 */
  times?: number;
}

/** A pod's status to play: any of phase, reason, message, container statuses, conditions. */
export type PodStatusPlay = Record<string, unknown>;

type Resource = 'jobs' | 'pods' | 'nodes' | 'secrets';

interface WatchEvent {
  resource: Resource;
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: KubeObject;
  rv: number;
}

interface Watcher {
  resource: Resource;
  namespace?: string;
  matches: (labels: Record<string, string> | undefined) => boolean;
  bookmarks: boolean;
  res: ServerResponse;
}

/** Pod logs kept per pod, and the follow requests waiting for more. */
interface PodLog {
  text: string;
  followers: Set<ServerResponse>;
}

const API_VERSION: Record<Resource, string> = { jobs: 'batch/v1', pods: 'v1', nodes: 'v1', secrets: 'v1' };
const KIND: Record<Resource, string> = { jobs: 'Job', pods: 'Pod', nodes: 'Node', secrets: 'Secret' };

/**
 * A Kubernetes API server for the endpoints the scheduler's launcher uses, over real HTTP:
 * create, get, list and delete Jobs and Secrets; list, watch and delete-collection of Pods; Pod
 * logs with `follow`; list and watch of Nodes. Watches stream JSON lines from a `resourceVersion`,
 * send bookmarks to those that allow them, and answer `410 Gone` once the version asked for
 * was compacted away. Job and Secret bodies are validated against the Kubernetes OpenAPI schema; every
 * request is recorded. The Job controller's part is played too: a Job gets one pod, placed on
 * the node its affinity names. Tests play the rest (pod phases, container states, failures,
 * nodes, dropped watches, refusals, an unreachable server).
 */
export class KubeApiServer {
  readonly requests: RecordedRequest[] = [];
  private readonly objects: Record<Resource, Map<string, KubeObject>> = { jobs: new Map(), pods: new Map(), nodes: new Map(), secrets: new Map() };
  private readonly history: WatchEvent[] = [];
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private readonly logs = new Map<string, PodLog>();
  private readonly refusals: Refusal[] = [];
  private rv = 1;
  private compactedRv = 0;
  private unreachable = false;

  private constructor(
    private readonly server: Server,
    private readonly validators: SchemaValidators,
    /** `http://127.0.0.1:PORT`: the server a kubeconfig or the launcher's `server` names. */
    readonly url: string,
  ) {}

  static async start(): Promise<KubeApiServer> {
    const validators = await loadSchemaValidators();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const api = new KubeApiServer(server, validators, `http://127.0.0.1:${port}`);
    server.on('connection', (socket) => api.connected(socket));
    server.on('request', (req, res) => void api.handle(req, res));
    return api;
  }

  async close(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- what tests play ----

  /** A course server: a node with its labels, allocatable GPUs and Ready condition. */
  addNode(name: string, options: { labels?: Record<string, string>; gpus?: number; ready?: boolean } = {}): KubeObject {
    const node: KubeObject = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: randomUUID(), labels: { 'kubernetes.io/hostname': name, ...options.labels } },
      spec: {},
      status: { allocatable: { 'nvidia.com/gpu': String(options.gpus ?? 0), cpu: '32', memory: '256Gi' }, conditions: [readyCondition(options.ready ?? true)] },
    };
    this.put('nodes', node, 'ADDED');
    return node;
  }

  setNodeReady(name: string, ready: boolean): void {
    const node = this.mustGet('nodes', name);
    this.put('nodes', { ...node, status: { ...node.status, conditions: [readyCondition(ready)] } }, 'MODIFIED');
  }

  removeNode(name: string): void {
    this.remove('nodes', this.mustGet('nodes', name));
  }

  job(name: string, namespace = 'gpulab'): KubeObject | undefined {
    return this.objects.jobs.get(`${namespace}/${name}`);
  }

  jobs(): KubeObject[] {
    return [...this.objects.jobs.values()];
  }

  secret(name: string, namespace = 'gpulab'): KubeObject | undefined {
    return this.objects.secrets.get(`${namespace}/${name}`);
  }

  /** The pod the Job controller made for a Job. */
  podOf(jobName: string): KubeObject | undefined {
    return [...this.objects.pods.values()].find((p) => p.metadata.labels?.['batch.kubernetes.io/job-name'] === jobName);
  }

  /** Plays a status on a Job's pod (merged over the current one), as the kubelet would report it. */
  playPod(jobName: string, play: PodStatusPlay): KubeObject {
    const pod = this.podOf(jobName);
    if (!pod) throw new Error(`no pod of Job ${jobName}`);
    const next = { ...pod, status: { ...pod.status, ...play } };
    this.put('pods', next, 'MODIFIED');
    const phase = next.status.phase;
    if (phase === 'Succeeded' || phase === 'Failed') this.finishJob(jobName, pod.metadata.namespace as string, phase === 'Succeeded' ? 'Complete' : 'Failed');
    if (phase === 'Succeeded' || phase === 'Failed') this.endLogs(pod);
    return next;
  }

  /** The pod's containers run. */
  runPod(jobName: string): KubeObject {
    const pod = this.podOf(jobName);
    const containers = ((pod?.spec?.containers as { name: string; image: string }[] | undefined) ?? []).map((c) => ({ name: c.name, image: c.image, ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }));
    return this.playPod(jobName, { phase: 'Running', containerStatuses: containers });
  }

  /** Deletes a pod as something else would (the node's garbage collector, a person). */
  deletePod(jobName: string): void {
    const pod = this.podOf(jobName);
    if (pod) this.remove('pods', pod);
  }

  appendLog(jobName: string, text: string): void {
    const pod = this.podOf(jobName);
    if (!pod) throw new Error(`no pod of Job ${jobName}`);
    const log = this.logOf(pod);
    log.text += text;
    for (const res of log.followers) res.write(text);
  }

  /** Ends every open watch, as a load balancer's idle timeout or an API server restart would. */
  dropWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Forgets the history: a watch resumed from any version seen so far is answered `410 Gone`. */
  compact(): void {
    this.compactedRv = this.rv;
    this.history.length = 0;
  }

  /** Sends a bookmark (the current version) to every watch that allows them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (w.bookmarks) w.res.write(`${JSON.stringify({ type: 'BOOKMARK', object: { kind: KIND[w.resource], apiVersion: API_VERSION[w.resource], metadata: { resourceVersion: String(this.rv) } } })}\n`);
    }
  }

  /** The next matching requests are answered with this failure. */
  refuse(refusal: Refusal): void {
    this.refusals.push({ times: 1, ...refusal });
  }

  /** While set, every connection is reset at once and open watches are cut. */
  setUnreachable(unreachable: boolean): void {
    this.unreachable = unreachable;
    if (unreachable) {
      this.watchers.clear();
      for (const socket of this.sockets) socket.destroy();
    }
  }

  /** Requests of a method whose path includes `part`. */
  requestsTo(method: string, part: string): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && r.path.includes(part));
  }

  // ---- the protocol ----

  private connected(socket: Socket): void {
    if (this.unreachable) {
      socket.destroy();
      return;
    }
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = Object.fromEntries(url.searchParams);
    const text = await readBody(req);
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      return this.answer(res, { method: req.method ?? '', path: url.pathname, query, status: 0 }, 400, status(400, 'BadRequest', 'the body is not JSON'));
    }
    const record: RecordedRequest = { method: req.method ?? '', path: url.pathname, query, body, status: 0 };
    const refusal = this.refusals.find((r) => r.method === record.method && record.path.includes(r.pathIncludes));
    if (refusal) {
      refusal.times = (refusal.times ?? 1) - 1;
      if (refusal.times <= 0) this.refusals.splice(this.refusals.indexOf(refusal), 1);
      return this.answer(res, record, refusal.code, status(refusal.code, refusal.reason, refusal.message));
    }
    const route = routeOf(url.pathname);
    if (!route) return this.answer(res, record, 404, status(404, 'NotFound', `the server could not find the requested resource (${url.pathname})`));
    const { resource, namespace, name, sub } = route;
    const method = record.method;
    if (sub === 'log' && method === 'GET' && name) return this.podLog(res, record, namespace as string, name);
    if (method === 'GET' && !name && (query.watch === 'true' || query.watch === '1')) return this.watch(res, record, resource, namespace);
    if (method === 'GET' && !name) return this.list(res, record, resource, namespace);
    if (method === 'GET' && name) {
      const object = this.objects[resource].get(key(namespace, name));
      return object ? this.answer(res, record, 200, object) : this.answer(res, record, 404, notFound(resource, name));
    }
    if (method === 'POST' && resource === 'jobs' && !name) return this.createJob(res, record, namespace as string, body);
    if (method === 'POST' && resource === 'secrets' && !name) return this.createSecret(res, record, namespace as string, body);
    if (method === 'DELETE' && resource === 'jobs' && name) return this.deleteJob(res, record, namespace as string, name);
    if (method === 'DELETE' && resource === 'secrets' && name) return this.deleteSecret(res, record, namespace as string, name);
    if (method === 'DELETE' && resource === 'pods' && !name) return this.deletePods(res, record, namespace as string);
    return this.answer(res, record, 405, status(405, 'MethodNotAllowed', `${method} is not supported on ${url.pathname} by this test server`));
  }

  private createJob(res: ServerResponse, record: RecordedRequest, namespace: string, body: unknown): void {
    const problems = this.validators.job(body);
    const job = body as KubeObject;
    const name = job?.metadata?.name ?? '';
    if (problems.length > 0 || !name) {
      return this.answer(res, record, 422, status(422, 'Invalid', `Job.batch "${name}" is invalid: ${problems.join('; ') || 'metadata.name: Required value'}`, { name, group: 'batch', kind: 'jobs' }));
    }
    if (job.metadata.namespace && job.metadata.namespace !== namespace) {
      return this.answer(res, record, 400, status(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request'));
    }
    if (this.objects.jobs.has(key(namespace, name))) {
      return this.answer(res, record, 409, status(409, 'AlreadyExists', `jobs.batch "${name}" already exists`, { name, group: 'batch', kind: 'jobs' }));
    }
    const stored: KubeObject = { ...job, apiVersion: 'batch/v1', kind: 'Job', metadata: { ...job.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() }, status: {} };
    this.put('jobs', stored, 'ADDED');
    this.makePod(stored);
    this.answer(res, record, 201, this.objects.jobs.get(key(namespace, name)));
  }

  private createSecret(res: ServerResponse, record: RecordedRequest, namespace: string, body: unknown): void {
    const problems = this.validators.secret(body);
    const secret = body as KubeObject & { stringData?: Record<string, string>; data?: Record<string, string> };
    const name = secret?.metadata?.name ?? '';
    if (problems.length > 0 || !name) return this.answer(res, record, 422, status(422, 'Invalid', `Secret "${name}" is invalid: ${problems.join('; ') || 'metadata.name: Required value'}`, { name, kind: 'secrets' }));
    if (this.objects.secrets.has(key(namespace, name))) return this.answer(res, record, 409, status(409, 'AlreadyExists', `secrets "${name}" already exists`, { name, kind: 'secrets' }));
    // As the API server does: stringData is folded into base64 data and never returned.
    const data = { ...secret.data, ...Object.fromEntries(Object.entries(secret.stringData ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) };
    const { stringData: _stringData, ...rest } = secret;
    this.put('secrets', { ...rest, apiVersion: 'v1', kind: 'Secret', data, metadata: { ...secret.metadata, namespace, uid: randomUUID(), creationTimestamp: new Date().toISOString() } } as KubeObject, 'ADDED');
    this.answer(res, record, 201, this.objects.secrets.get(key(namespace, name)));
  }

  private deleteSecret(res: ServerResponse, record: RecordedRequest, namespace: string, name: string): void {
    const secret = this.objects.secrets.get(key(namespace, name));
    if (!secret) return this.answer(res, record, 404, notFound('secrets', name));
    this.remove('secrets', secret);
    this.answer(res, record, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, kind: 'secrets', uid: secret.metadata.uid } });
  }

  /** The Job controller's part: one pod from the template, bound to the node its affinity names. */
  private makePod(job: KubeObject): void {
    const template = (job.spec?.template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: Record<string, unknown> };
    const name = job.metadata.name;
    const terms = (template.spec?.affinity as { nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: { matchExpressions?: { key: string; values?: string[] }[] }[] } } } | undefined)?.nodeAffinity
      ?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
    const nodeName = terms?.flatMap((t) => t.matchExpressions ?? []).find((e) => e.key === 'kubernetes.io/hostname')?.values?.[0];
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: `${name}-${randomBytes(3).toString('hex').slice(0, 5)}`,
        namespace: job.metadata.namespace,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
        labels: { ...template.metadata?.labels, 'batch.kubernetes.io/job-name': name, 'job-name': name, 'batch.kubernetes.io/controller-uid': job.metadata.uid as string },
        ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name, uid: job.metadata.uid as string, controller: true }],
      },
      spec: { ...template.spec, ...(nodeName ? { nodeName } : {}) },
      status: { phase: 'Pending' },
    };
    this.put('pods', pod, 'ADDED');
  }

  private deleteJob(res: ServerResponse, record: RecordedRequest, namespace: string, name: string): void {
    const job = this.objects.jobs.get(key(namespace, name));
    if (!job) return this.answer(res, record, 404, notFound('jobs', name));
    this.remove('jobs', job);
    // Background and Foreground propagation alike: the garbage collector deletes the Job's pods.
    if (record.query.propagationPolicy !== 'Orphan') for (const pod of this.podsOwnedBy(job)) this.remove('pods', pod);
    this.answer(res, record, 200, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details: { name, group: 'batch', kind: 'jobs', uid: job.metadata.uid } });
  }

  private deletePods(res: ServerResponse, record: RecordedRequest, namespace: string): void {
    const matches = parseLabelSelector(record.query.labelSelector);
    const grace = record.query.gracePeriodSeconds === undefined ? undefined : Number(record.query.gracePeriodSeconds);
    const deleted = [...this.objects.pods.values()].filter((p) => p.metadata.namespace === namespace && matches(p.metadata.labels));
    for (const pod of deleted) {
      // The kubelet's part: SIGTERM, then the pod is gone once its grace is over; played at once here.
      this.put('pods', { ...pod, metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: grace } }, 'MODIFIED');
      this.remove('pods', this.objects.pods.get(key(namespace, pod.metadata.name)) as KubeObject);
    }
    this.answer(res, record, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(this.rv) }, items: deleted });
  }

  private list(res: ServerResponse, record: RecordedRequest, resource: Resource, namespace: string | undefined): void {
    const matches = parseLabelSelector(record.query.labelSelector);
    const items = [...this.objects[resource].values()].filter((o) => (namespace === undefined || o.metadata.namespace === namespace) && matches(o.metadata.labels));
    this.answer(res, record, 200, { kind: `${KIND[resource]}List`, apiVersion: API_VERSION[resource], metadata: { resourceVersion: String(this.rv) }, items });
  }

  private watch(res: ServerResponse, record: RecordedRequest, resource: Resource, namespace: string | undefined): void {
    record.status = 200;
    this.requests.push(record);
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    const matches = parseLabelSelector(record.query.labelSelector);
    const from = record.query.resourceVersion;
    const watcher: Watcher = { resource, namespace, matches, bookmarks: record.query.allowWatchBookmarks === 'true', res };
    const send = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
    const fits = (o: KubeObject) => (namespace === undefined || o.metadata.namespace === namespace) && matches(o.metadata.labels);
    if (from !== undefined && from !== '' && from !== '0') {
      if (Number(from) < this.compactedRv) {
        // As the API server does: the watch opens, says why it cannot go on, and ends.
        send('ERROR', status(410, 'Expired', `too old resource version: ${from} (${this.compactedRv})`));
        res.end();
        return;
      }
      for (const event of this.history) if (event.resource === resource && event.rv > Number(from) && fits(event.object)) send(event.type, event.object);
    } else {
      for (const object of this.objects[resource].values()) if (fits(object)) send('ADDED', object);
    }
    this.watchers.add(watcher);
    res.on('close', () => this.watchers.delete(watcher));
  }

  private podLog(res: ServerResponse, record: RecordedRequest, namespace: string, name: string): void {
    const pod = this.objects.pods.get(key(namespace, name));
    if (!pod) return this.answer(res, record, 404, notFound('pods', name));
    record.status = 200;
    this.requests.push(record);
    const log = this.logOf(pod);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.write(log.text);
    const phase = pod.status?.phase;
    if (record.query.follow !== 'true' || phase === 'Succeeded' || phase === 'Failed') {
      res.end();
      return;
    }
    log.followers.add(res);
    res.on('close', () => log.followers.delete(res));
  }

  // ---- the store ----

  private put(resource: Resource, object: KubeObject, type: 'ADDED' | 'MODIFIED'): void {
    this.rv += 1;
    const stored = { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } };
    this.objects[resource].set(key(stored.metadata.namespace, stored.metadata.name), stored);
    this.emit({ resource, type, object: stored, rv: this.rv });
  }

  private remove(resource: Resource, object: KubeObject): void {
    if (!this.objects[resource].delete(key(object.metadata.namespace, object.metadata.name))) return;
    this.rv += 1;
    if (resource === 'pods') this.endLogs(object);
    this.emit({ resource, type: 'DELETED', object: { ...object, metadata: { ...object.metadata, resourceVersion: String(this.rv) } }, rv: this.rv });
  }

  private emit(event: WatchEvent): void {
    this.history.push(event);
    for (const w of this.watchers) {
      if (w.resource !== event.resource) continue;
      if (w.namespace !== undefined && event.object.metadata.namespace !== w.namespace) continue;
      if (!w.matches(event.object.metadata.labels)) continue;
      w.res.write(`${JSON.stringify({ type: event.type, object: event.object })}\n`);
    }
  }

  private finishJob(name: string, namespace: string, condition: 'Complete' | 'Failed'): void {
    const job = this.objects.jobs.get(key(namespace, name));
    if (!job) return;
    this.put('jobs', { ...job, status: { ...job.status, conditions: [{ type: condition, status: 'True', lastTransitionTime: new Date().toISOString() }] } }, 'MODIFIED');
  }

  private podsOwnedBy(job: KubeObject): KubeObject[] {
    return [...this.objects.pods.values()].filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === job.metadata.uid));
  }

  private logOf(pod: KubeObject): PodLog {
    const k = key(pod.metadata.namespace, pod.metadata.name);
    let log = this.logs.get(k);
    if (!log) this.logs.set(k, (log = { text: '', followers: new Set() }));
    return log;
  }

  private endLogs(pod: KubeObject): void {
    const log = this.logs.get(key(pod.metadata.namespace, pod.metadata.name));
    for (const res of log?.followers ?? []) res.end();
    log?.followers.clear();
  }

  private mustGet(resource: Resource, name: string, namespace?: string): KubeObject {
    const object = this.objects[resource].get(key(namespace, name));
    if (!object) throw new Error(`no ${KIND[resource]} ${name}`);
    return object;
  }

  private answer(res: ServerResponse, record: RecordedRequest, code: number, body: unknown): void {
    record.status = code;
    this.requests.push(record);
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  }
}

/** `/apis/batch/v1/namespaces/NS/jobs[/NAME]`, `/api/v1/namespaces/NS/{pods[/NAME[/log]],secrets[/NAME]}`, `/api/v1/nodes[/NAME]`. */
function routeOf(path: string): { resource: Resource; namespace?: string; name?: string; sub?: string } | undefined {
  const jobs = /^\/apis\/batch\/v1\/namespaces\/([^/]+)\/jobs(?:\/([^/]+))?$/.exec(path);
  if (jobs) return { resource: 'jobs', namespace: jobs[1], name: jobs[2] };
  const secrets = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/.exec(path);
  if (secrets) return { resource: 'secrets', namespace: secrets[1], name: secrets[2] };
  const pods = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(?:\/(log))?)?$/.exec(path);
  if (pods) return { resource: 'pods', namespace: pods[1], name: pods[2], sub: pods[3] };
  const nodes = /^\/api\/v1\/nodes(?:\/([^/]+))?$/.exec(path);
  if (nodes) return { resource: 'nodes', name: nodes[1] };
  return undefined;
}

function key(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function notFound(resource: Resource, name: string): Status {
  return status(404, 'NotFound', `${resource}${resource === 'jobs' ? '.batch' : ''} "${name}" not found`, { name, kind: resource });
}

function readyCondition(ready: boolean): Record<string, string> {
  return { type: 'Ready', status: ready ? 'True' : 'False', reason: ready ? 'KubeletReady' : 'NodeStatusUnknown', lastTransitionTime: new Date().toISOString() };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
