import { Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { finishProgressFromProto, type InventoryChangeCommand as InventoryChange, isTerminalState, jobStateToProto, type JobStateName, pb, type SlotKind, slotKindFromProto, slotKindToProto } from '@gpulab/contracts';
import { type BenchmarkHistoryRow } from '@gpulab/contracts';
import { calendarFromProto, type CalendarView, type FeasibilityInfo, type InventoryInfo, quotaFromProto, type QuotaInfo, slotFromProto, type SlotInfo } from './slot-view';
import { connectionFromEnv } from './connection';
import { type Endpoint, GpulabError } from './errors';
import { channelCredentials, tlsFromEnv, type TlsSetting } from './tls';
import { eventFromProto, type JobEventView, jobFromProto, type JobView } from './job-view';
import { artifactFromProto, type ArtifactView, type StorageUsage, uploadFromProto, type UploadView, usageFromProto } from './artifact-view';
import { uploadArtifact, type UploadFinishProgress, type UploadOptions, type UploadProgress, type UploadRpc, type UploadSource } from './artifact-upload';
import { type DownloadedFile, type DownloadProgress, readFirstFile, writeDownload } from './result-download';
import { type JobLogLine, type JobLogOptions, logsRequest, readJobLogs } from './job-logs';

export interface MemberTokenOptions {
  /** How long the token works: whole hours or days, e.g. "12h", "30d" (at most "400d"). @default no expiry */
  expiresIn?: string;
}

export interface GpulabClientOptions {
  /** host:port. @default GPULAB_ADDR or localhost:50051 */
  address?: string;
  /** A team or tutor token. @default GPULAB_TOKEN, else the local demo token */
  token?: string;
  /** Deadline of each unary call, in ms. @default 30000 */
  callTimeoutMs?: number;
  /**
   * Largest message sent or received, in MiB: the gateway's GPULAB_MAX_MESSAGE_MIB, so a request
   * it would refuse is refused here before it is sent. @default GPULAB_MAX_MESSAGE_MIB, else 64
   */
  maxMessageMiB?: number;
  /**
   * TLS to the gateway: `true` trusts the system's roots; `{ ca }` trusts a course server's own
   * CA; `cert` + `key` add a client certificate (mTLS). @default from GPULAB_TLS, GPULAB_TLS_CA,
   * GPULAB_TLS_CLIENT_CERT and GPULAB_TLS_CLIENT_KEY; none set: plaintext
   */
  tls?: TlsSetting;
}

/** Where a job's data comes from. */
export type JobInputOption =
  | { csv: string | Uint8Array; filename?: string }
  | { dataset: string }
  | { artifactId: string };

export interface SubmitOptions {
  kind: string;
  input?: JobInputOption;
  params?: Record<string, unknown>;
  /** 1 (default) or 2. */
  gpus?: number;
  /** Jump the team's own queue. */
  priority?: boolean;
  /** Also run on idle GPUs outside the team's slot, until a booking needs them. */
  preemptible?: boolean;
}

export interface BookOptions {
  kind: SlotKind;
  /** YYYY-MM-DD, or 'today'. */
  start: string;
  server?: string;
  /** Tutors: the team to book for. */
  team?: string;
}

/** What `deleteJobOutputs` deleted. */
export interface JobOutputsDeletion {
  jobId: string;
  /** Deleted before, by an earlier call or the retention: nothing more was freed now. */
  alreadyDeleted: boolean;
  deletedFiles: number;
  freedBytes: number;
  /** ISO-8601. */
  deletedAt: string;
  /** Who asked, or "retention". */
  deletedBy: string;
  /** The team's storage afterwards. */
  usage?: StorageUsage;
}

export interface ListOptions {
  states?: JobStateName[];
  team?: string;
  pageSize?: number;
  pageToken?: string;
}

/** The gateway's default GPULAB_MAX_MESSAGE_MIB. */
export const DEFAULT_MAX_MESSAGE_MIB = 64;

/**
 * The gpulab SDK: submit jobs, follow them, fetch results.
 *
 * ```ts
 * const gpulab = new GpulabClient();
 * const { job } = await gpulab.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } });
 * const done = await gpulab.waitForJob(job.id);
 * ```
 */
export class GpulabClient {
  private readonly client: pb.JobServiceClient;
  private readonly slotClient: pb.SlotServiceClient;
  private readonly adminClient: pb.AdminServiceClient;
  private readonly artifactClient: pb.ArtifactServiceClient;
  private readonly token?: string;
  private readonly callTimeoutMs: number;
  private readonly address: string;
  private readonly endpoint: Endpoint;

  constructor(options: GpulabClientOptions = {}) {
    const fromEnv = connectionFromEnv();
    this.token = options.token ?? fromEnv.token;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.address = options.address ?? fromEnv.address;
    // The environment's TLS files are read only when the caller did not choose.
    const tls = options.tls ?? tlsFromEnv();
    const creds = channelCredentials(tls);
    this.endpoint = { address: this.address, transport: tls === false ? 'plaintext' : tls !== true && tls.cert !== undefined ? 'mtls' : 'tls' };
    const maxMessageBytes = Math.round(maxMessageMiB(options.maxMessageMiB) * 1024 * 1024);
    const channelOptions = { 'grpc.max_receive_message_length': maxMessageBytes, 'grpc.max_send_message_length': maxMessageBytes };
    this.client = new pb.JobServiceClient(this.address, creds, channelOptions);
    // The services share one channel.
    const channelOverride = this.client.getChannel();
    this.slotClient = new pb.SlotServiceClient(this.address, creds, { ...channelOptions, channelOverride });
    this.adminClient = new pb.AdminServiceClient(this.address, creds, { ...channelOptions, channelOverride });
    this.artifactClient = new pb.ArtifactServiceClient(this.address, creds, { ...channelOptions, channelOverride });
  }

  async submitJob(options: SubmitOptions): Promise<{ job: JobView; notices: string[] }> {
    const response = await this.unary<pb.SubmitJobRequest, pb.SubmitJobResponse>('submitJob', {
      kind: options.kind,
      input: toProtoInput(options.input),
      params: options.params ?? {},
      gpus: options.gpus ?? 0,
      priority: options.priority ?? false,
      preemptible: options.preemptible ?? false,
    });
    return { job: jobFromProto(required(response.job)), notices: response.notices };
  }

  async getJob(id: string): Promise<JobView> {
    return jobFromProto(required((await this.unary<pb.GetJobRequest, pb.GetJobResponse>('getJob', { id })).job));
  }

  async cancelJob(id: string): Promise<JobView> {
    return jobFromProto(required((await this.unary<pb.CancelJobRequest, pb.CancelJobResponse>('cancelJob', { id })).job));
  }

  async listJobs(options: ListOptions = {}): Promise<{ jobs: JobView[]; nextPageToken?: string }> {
    const response = await this.unary<pb.ListJobsRequest, pb.ListJobsResponse>('listJobs', {
      states: (options.states ?? []).map(jobStateToProto),
      team: options.team ?? '',
      pageSize: options.pageSize ?? 0,
      pageToken: options.pageToken ?? '',
    });
    return { jobs: response.jobs.map(jobFromProto), nextPageToken: response.nextPageToken || undefined };
  }

  /** The term, every booked slot, and the free GPU pairs per day and server. */
  async getCalendar(): Promise<CalendarView> {
    return calendarFromProto(await this.call<pb.GetCalendarRequest, pb.GetCalendarResponse>(this.slotClient, 'getCalendar', {}));
  }

  async bookSlot(options: BookOptions): Promise<SlotInfo> {
    const start = options.start === 'today' ? (await this.getCalendar()).term.today : options.start;
    const res = await this.call<pb.BookSlotRequest, pb.BookSlotResponse>(this.slotClient, 'bookSlot', {
      kind: slotKindToProto(options.kind),
      startDate: start,
      server: options.server ?? '',
      team: options.team ?? '',
    });
    return slotFromProto(requiredSlot(res.slot));
  }

  async cancelSlot(id: string): Promise<SlotInfo> {
    return slotFromProto(requiredSlot((await this.call<pb.CancelSlotRequest, pb.CancelSlotResponse>(this.slotClient, 'cancelSlot', { id })).slot));
  }

  /** Tutors: move a slot that has not started to another day and/or server. */
  async moveSlot(id: string, start: string, server?: string): Promise<SlotInfo> {
    const res = await this.call<pb.MoveSlotRequest, pb.MoveSlotResponse>(this.slotClient, 'moveSlot', { id, startDate: start, server: server ?? '' });
    return slotFromProto(requiredSlot(res.slot));
  }

  /** Your team's quota; tutors: one team's, or every team's. */
  async getQuota(team?: string): Promise<QuotaInfo[]> {
    return (await this.call<pb.GetQuotaRequest, pb.GetQuotaResponse>(this.slotClient, 'getQuota', { team: team ?? '' })).teams.map(quotaFromProto);
  }

  /** GPU-hours per team and day: your team's; tutors: one team's or all. */
  async getUsage(team?: string): Promise<pb.UsageRow[]> {
    return (await this.call<pb.GetUsageRequest, pb.GetUsageResponse>(this.slotClient, 'getUsage', { team: team ?? '' })).rows;
  }

  /** Messages for your team (tutors: for the tutors), newest first. */
  async listNotices(limit = 20): Promise<pb.NoticeItem[]> {
    return (await this.call<pb.ListNoticesRequest, pb.ListNoticesResponse>(this.slotClient, 'listNotices', { limit })).notices;
  }

  /** The course's benchmark rows, oldest first; a model's or a backend's only when given. */
  async listBenchmarkRows(filter: { model?: string; backend?: string } = {}): Promise<BenchmarkHistoryRow[]> {
    const reply = await this.call<pb.ListBenchmarkRowsRequest, pb.ListBenchmarkRowsResponse>(this.client, 'listBenchmarkRows', { model: filter.model ?? '', backend: filter.backend ?? '' });
    return reply.rows.map((row) => ({ ...row, versions: { ...row.versions } }));
  }

  /**
   * Tutors: benchmark `model` whenever `cron` fires (in the term's time zone), one job per batch
   * size, on GPUs no slot holds. An invalid expression is refused naming its field.
   */
  async addBenchSchedule(schedule: BenchScheduleOptions): Promise<pb.BenchSchedule> {
    const r = await this.call<pb.AddBenchScheduleRequest, pb.AddBenchScheduleResponse>(this.adminClient, 'addBenchSchedule', {
      cron: schedule.cron,
      model: schedule.model,
      backends: schedule.backends ?? [],
      batchSizes: schedule.batchSizes ?? [],
      images: schedule.images ?? 0,
      inputSize: schedule.inputSize ?? 0,
    });
    return scheduleOf(r);
  }

  /** Tutors: every benchmark schedule, oldest first, with its next and last firing. */
  async listBenchSchedules(): Promise<pb.BenchSchedule[]> {
    return (await this.call<pb.ListBenchSchedulesRequest, pb.ListBenchSchedulesResponse>(this.adminClient, 'listBenchSchedules', {})).schedules;
  }

  /** Tutors: remove a schedule; jobs it already submitted go on. */
  async removeBenchSchedule(id: string): Promise<pb.BenchSchedule> {
    return scheduleOf(await this.call<pb.RemoveBenchScheduleRequest, pb.RemoveBenchScheduleResponse>(this.adminClient, 'removeBenchSchedule', { id }));
  }

  /** Tutors: pause a schedule (`paused: false` resumes it; it then fires from now on). */
  async pauseBenchSchedule(id: string, paused = true): Promise<pb.BenchSchedule> {
    return scheduleOf(await this.call<pb.PauseBenchScheduleRequest, pb.PauseBenchScheduleResponse>(this.adminClient, 'pauseBenchSchedule', { id, paused }));
  }

  /** Tutors: can every team still place its remaining slots? */
  async getFeasibility(): Promise<FeasibilityInfo> {
    const r = await this.call<pb.GetFeasibilityRequest, pb.GetFeasibilityResponse>(this.adminClient, 'getFeasibility', {});
    return {
      verdict: r.verdict as FeasibilityInfo['verdict'],
      stranded: r.stranded.map(slotFromProto),
      suggestion: r.suggestion.map(slotFromProto),
      short: r.short.map((s) => ({ team: s.team, kind: slotKindFromProto(s.kind) ?? 'setup', missing: s.missing })),
      unused: r.unused,
      demandPairDays: r.demandPairDays,
      freePairDays: r.freePairDays,
      searchNodes: r.searchNodes,
    };
  }

  /** Tutors: add or remove a server, drain it, or mark a GPU broken or repaired. */
  async updateInventory(change: InventoryChange): Promise<InventoryInfo> {
    const request: pb.UpdateInventoryRequest =
      change.type === 'add-server'
        ? { addServer: { name: change.name, gpus: change.gpus } }
        : change.type === 'remove-server'
          ? { removeServer: { name: change.name } }
          : change.type === 'drain'
            ? { drainServer: { name: change.name, drained: change.drained } }
            : { setGpuBroken: { server: change.server, index: change.index, broken: change.broken } };
    const r = await this.call<pb.UpdateInventoryRequest, pb.UpdateInventoryResponse>(this.adminClient, 'updateInventory', request);
    return { servers: r.servers, moved: r.moved.map(slotFromProto), stranded: r.stranded.map(slotFromProto) };
  }

  /** Tutors: every team and its members. */
  async listTeams(): Promise<pb.Team[]> {
    return (await this.call<pb.ListTeamsRequest, pb.ListTeamsResponse>(this.adminClient, 'listTeams', {})).teams;
  }

  /** Tutors: create a team (at most 8 by default). */
  async createTeam(name: string): Promise<pb.Team> {
    const r = await this.call<pb.CreateTeamRequest, pb.CreateTeamResponse>(this.adminClient, 'createTeam', { name });
    if (!r.team) throw new GpulabError('INTERNAL', 13, 'the server answered without a team');
    return r.team;
  }

  /**
   * Tutors: add a member (at most 6 by default); the answer holds their token, shown only now.
   * `expiresIn` ("12h", "30d", at most "400d") makes the token stop working after that long.
   */
  addMember(team: string, member: string, options: MemberTokenOptions = {}): Promise<pb.AddMemberResponse> {
    return this.call<pb.AddMemberRequest, pb.AddMemberResponse>(this.adminClient, 'addMember', { team, member, expiresIn: options.expiresIn ?? '' });
  }

  /**
   * Tutors: give a member a new token, shown only now; the old one stops working and the
   * member's open calls end. Without `expiresIn` the new token does not expire.
   */
  rotateMember(team: string, member: string, options: MemberTokenOptions = {}): Promise<pb.RotateMemberResponse> {
    return this.call<pb.RotateMemberRequest, pb.RotateMemberResponse>(this.adminClient, 'rotateMember', { team, member, expiresIn: options.expiresIn ?? '' });
  }

  /** Tutors: remove a member; their token stops working within seconds, their open calls end. */
  async removeMember(team: string, member: string): Promise<pb.Team> {
    const r = await this.call<pb.RemoveMemberRequest, pb.RemoveMemberResponse>(this.adminClient, 'removeMember', { team, member });
    if (!r.team) throw new GpulabError('INTERNAL', 13, 'the server answered without a team');
    return r.team;
  }

  /** Tutors: change a team's quota of one slot kind. */
  async setQuota(team: string, kind: SlotKind, quota: number): Promise<QuotaInfo> {
    const r = await this.call<pb.SetQuotaRequest, pb.SetQuotaResponse>(this.adminClient, 'setQuota', { team, kind: slotKindToProto(kind), quota });
    if (!r.quota) throw new GpulabError('INTERNAL', 13, 'the server answered without a quota');
    return quotaFromProto(r.quota);
  }

  /**
   * Uploads a data set (a file's path, or bytes with `filename`) and returns the artifact, whose
   * id a job takes as its input (`input: { artifactId }`). The upload goes in chunks; when the
   * stream breaks it asks the gateway what arrived and goes on from there.
   *
   * ```ts
   * const art = await gpulab.upload('train-images-idx3-ubyte', { labels: 'train-labels-idx1-ubyte' }, (p) => console.log(p.sentBytes));
   * ```
   */
  upload(source: UploadSource, options: UploadOptions = {}, onProgress?: (progress: UploadProgress) => void): Promise<ArtifactView> {
    return uploadArtifact(this.uploadRpc(), source, options, onProgress);
  }

  /** How much of each file of an upload has arrived. */
  async getUpload(uploadId: string): Promise<UploadView> {
    const r = await this.call<pb.GetUploadRequest, pb.GetUploadResponse>(this.artifactClient, 'getUpload', { uploadId });
    if (!r.upload) throw new GpulabError('INTERNAL', 13, 'the server answered without an upload');
    return uploadFromProto(r.upload);
  }

  /**
   * How far the gateway is with finishing an upload (checking, parsing, storing), while it works
   * and for a few seconds after; `upload()` asks by itself and reports it as `progress.finish`.
   */
  async getUploadProgress(uploadId: string): Promise<UploadFinishProgress> {
    const r = await this.call<pb.GetUploadProgressRequest, pb.GetUploadProgressResponse>(this.artifactClient, 'getUploadProgress', { uploadId });
    const progress = r.progress && finishProgressFromProto(r.progress);
    if (!progress) throw new GpulabError('INTERNAL', 13, 'the server answered without a progress this client understands');
    return progress;
  }

  /** Gives up an upload; what it received is deleted. */
  async cancelUpload(uploadId: string): Promise<void> {
    await this.call<pb.CancelUploadRequest, pb.CancelUploadResponse>(this.artifactClient, 'cancelUpload', { uploadId });
  }

  /** Your team's artifacts, unfinished uploads and storage use; tutors: one team's or every team's. */
  async listArtifacts(team?: string): Promise<{ artifacts: ArtifactView[]; uploads: UploadView[]; usage: StorageUsage[] }> {
    const r = await this.call<pb.ListArtifactsRequest, pb.ListArtifactsResponse>(this.artifactClient, 'listArtifacts', { team: team ?? '' });
    return { artifacts: r.artifacts.map(artifactFromProto), uploads: r.uploads.map(uploadFromProto), usage: r.usage.map(usageFromProto) };
  }

  /**
   * The caller's artifact of this kind whose uploaded file has this SHA-256, the newest if
   * several: what an upload of the same content would make again, so it is re-used instead.
   */
  async findArtifactBySha256(sha256: string, kind: ArtifactView['kind']): Promise<ArtifactView | undefined> {
    const { artifacts } = await this.listArtifacts();
    return artifacts.find((a) => a.kind === kind && a.sha256 === sha256.toLowerCase());
  }

  async getArtifact(id: string): Promise<ArtifactView> {
    const r = await this.call<pb.GetArtifactRequest, pb.GetArtifactResponse>(this.artifactClient, 'getArtifact', { id });
    if (!r.artifact) throw new GpulabError('INTERNAL', 13, 'the server answered without an artifact');
    return artifactFromProto(r.artifact);
  }

  /** Deletes an artifact (refused while an unfinished job reads it); returns the team's storage after. */
  async deleteArtifact(id: string): Promise<{ artifact: ArtifactView; usage?: StorageUsage }> {
    const r = await this.call<pb.DeleteArtifactRequest, pb.DeleteArtifactResponse>(this.artifactClient, 'deleteArtifact', { id });
    if (!r.artifact) throw new GpulabError('INTERNAL', 13, 'the server answered without an artifact');
    return { artifact: artifactFromProto(r.artifact), usage: r.usage && usageFromProto(r.usage) };
  }

  /**
   * Writes a finished job's `result.json` and every file its result lists into `dir` (created
   * when missing), and returns what it wrote. File names that could leave `dir` are refused.
   * For a job that failed or was cancelled, `result.json` is the record of the files it kept
   * (`outcome`, `reason`, `files`), downloaded the same way; check `getJob(id).state` to tell.
   * One that kept no files is refused with `FAILED_PRECONDITION`.
   */
  async downloadResult(jobId: string, dir: string, onProgress?: (progress: DownloadProgress) => void): Promise<DownloadedFile[]> {
    return writeDownload((resume) => this.client.downloadResult({ id: jobId, resumeFileIndex: resume.fileIndex, resumeOffset: resume.offset }, this.metadata()), dir, this.endpoint, onProgress);
  }

  /**
   * Deletes an ended job's result and files (your team's; tutors: any team's) and frees their
   * space; asking again answers `alreadyDeleted`. A later download says they were deleted.
   */
  async deleteJobOutputs(jobId: string): Promise<JobOutputsDeletion> {
    const r = await this.call<pb.DeleteJobOutputsRequest, pb.DeleteJobOutputsResponse>(this.client, 'deleteJobOutputs', { id: jobId });
    return {
      jobId: r.id,
      alreadyDeleted: r.alreadyDeleted,
      deletedFiles: r.deletedFiles,
      freedBytes: r.freedBytes,
      deletedAt: r.deletedAt,
      deletedBy: r.deletedBy,
      usage: r.usage && usageFromProto(r.usage),
    };
  }

  /** A finished job's stored result (of one that did not succeed, the record of the files it kept), as `result.json` of a download holds it. */
  async readResult(jobId: string): Promise<Record<string, unknown>> {
    const bytes = await readFirstFile(this.client.downloadResult({ id: jobId, resumeFileIndex: 0, resumeOffset: 0 }, this.metadata()), this.endpoint);
    return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  }

  /** The job's events from its start, then live ones until it ends. */
  async *watchJob(id: string, signal?: AbortSignal): AsyncGenerator<JobEventView> {
    const stream: ClientReadableStream<pb.WatchJobResponse> = this.client.watchJob({ id }, this.metadata());
    const abort = () => stream.cancel();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      for await (const response of stream as AsyncIterable<pb.WatchJobResponse>) {
        const event = response.event && eventFromProto(response.event);
        if (event) yield event;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw GpulabError.from(error, this.endpoint);
    } finally {
      signal?.removeEventListener('abort', abort);
      stream.cancel();
    }
  }

  /**
   * A job's output lines, oldest first, every attempt's; with `follow`, then new lines until the
   * job has ended and all it printed was read. Another team's job is refused as `getJob` is.
   */
  streamJobLogs(id: string, options: JobLogOptions = {}, signal?: AbortSignal): AsyncGenerator<JobLogLine> {
    return readJobLogs(this.client.streamJobLogs(logsRequest(id, options), this.metadata()), this.endpoint, signal);
  }

  /** The lines a job has printed so far (`streamJobLogs` without `follow`). */
  async logs(id: string, options: Omit<JobLogOptions, 'follow'> = {}): Promise<JobLogLine[]> {
    const lines: JobLogLine[] = [];
    for await (const line of this.streamJobLogs(id, { ...options, follow: false })) lines.push(line);
    return lines;
  }

  /** Follows the job until it ends and returns it with its result. */
  async waitForJob(id: string, onEvent?: (event: JobEventView) => void): Promise<JobView> {
    for await (const event of this.watchJob(id)) {
      onEvent?.(event);
      if (event.type === 'state' && event.state !== 'UNKNOWN' && isTerminalState(event.state)) break;
    }
    return this.getJob(id);
  }

  close(): void {
    this.client.close();
    this.slotClient.close();
    this.adminClient.close();
    this.artifactClient.close();
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  private uploadRpc(): UploadRpc {
    return {
      endpoint: this.endpoint,
      unary: <Req, Res>(method: string, request: Req, timeoutMs?: number) => this.call<Req, Res>(this.artifactClient, method, request, timeoutMs),
      openWrite: (callback) => this.artifactClient.writeUpload(this.metadata(), callback),
    };
  }

  private unary<Req, Res>(method: 'submitJob' | 'getJob' | 'cancelJob' | 'listJobs', request: Req): Promise<Res> {
    return this.call(this.client, method, request);
  }

  private call<Req, Res>(client: object, method: string, request: Req, timeoutMs = this.callTimeoutMs): Promise<Res> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + Math.max(timeoutMs, this.callTimeoutMs));
      // Generated clients have one overload set per method; they share this shape.
      const fn = (client as Record<string, (...args: unknown[]) => void>)[method].bind(client);
      const call = fn as unknown as (
        r: Req,
        m: Metadata,
        o: { deadline: Date },
        cb: (err: unknown, res: Res) => void,
      ) => void;
      call(request, this.metadata(), { deadline }, (err, res) => (err ? reject(GpulabError.from(err, this.endpoint)) : resolve(res)));
    });
  }
}

function maxMessageMiB(given: number | undefined): number {
  const fromEnv = process.env.GPULAB_MAX_MESSAGE_MIB ? Number(process.env.GPULAB_MAX_MESSAGE_MIB) : undefined;
  const value = given ?? fromEnv ?? DEFAULT_MAX_MESSAGE_MIB;
  if (!(value > 0)) throw new GpulabError('INVALID_ARGUMENT', 3, `GPULAB_MAX_MESSAGE_MIB must be a positive number of MiB, not ${String(value).slice(0, 40)}`);
  return value;
}

function toProtoInput(input: JobInputOption | undefined): pb.JobInput | undefined {
  if (!input) return undefined;
  if ('csv' in input) {
    const content = typeof input.csv === 'string' ? Buffer.from(input.csv, 'utf8') : Buffer.from(input.csv);
    return { inline: { format: 'csv', content, filename: input.filename ?? '' } };
  }
  if ('dataset' in input) return { dataset: input.dataset };
  return { artifactId: input.artifactId };
}

function required(job: pb.Job | undefined): pb.Job {
  if (!job) throw new GpulabError('INTERNAL', 13, 'the server answered without a job');
  return job;
}

function requiredSlot(slot: pb.Slot | undefined): pb.Slot {
  if (!slot) throw new GpulabError('INTERNAL', 13, 'the server answered without a slot');
  return slot;
}

/** What `addBenchSchedule` takes; what is left out is the benchmark kind's default. */
export interface BenchScheduleOptions {
  /** Five fields (minute hour day-of-month month day-of-week), or six with seconds first. */
  cron: string;
  model: string;
  /** @default every backend installed on the worker */
  backends?: string[];
  /** One job per batch size. @default one job at the kind's default batch size */
  batchSizes?: number[];
  images?: number;
  inputSize?: number;
}

function scheduleOf(reply: { schedule?: pb.BenchSchedule }): pb.BenchSchedule {
  if (!reply.schedule) throw new GpulabError('INTERNAL', 13, 'the server answered without a schedule');
  return reply.schedule;
}
