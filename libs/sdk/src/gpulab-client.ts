import { credentials, Metadata, type ClientReadableStream } from '@grpc/grpc-js';
import { isTerminalState, jobStateToProto, type JobStateName, pb } from '@gpulab/contracts';
import { connectionFromEnv } from './connection';
import { GpulabError } from './errors';
import { eventFromProto, type JobEventView, jobFromProto, type JobView } from './job-view';

export interface GpulabClientOptions {
  /** host:port. @default GPULAB_ADDR or localhost:50051 */
  address?: string;
  /** A team or tutor token. @default GPULAB_TOKEN, else the local demo token */
  token?: string;
  /** Deadline of each unary call, in ms. @default 30000 */
  callTimeoutMs?: number;
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
}

export interface ListOptions {
  states?: JobStateName[];
  team?: string;
  pageSize?: number;
  pageToken?: string;
}

const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

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
  private readonly token?: string;
  private readonly callTimeoutMs: number;
  private readonly address: string;

  constructor(options: GpulabClientOptions = {}) {
    const fromEnv = connectionFromEnv();
    this.token = options.token ?? fromEnv.token;
    this.callTimeoutMs = options.callTimeoutMs ?? 30_000;
    this.address = options.address ?? fromEnv.address;
    this.client = new pb.JobServiceClient(this.address, credentials.createInsecure(), {
      'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
      'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    });
  }

  async submitJob(options: SubmitOptions): Promise<{ job: JobView; notices: string[] }> {
    const response = await this.unary<pb.SubmitJobRequest, pb.SubmitJobResponse>('submitJob', {
      kind: options.kind,
      input: toProtoInput(options.input),
      params: options.params ?? {},
      gpus: options.gpus ?? 0,
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
      throw GpulabError.from(error, this.address);
    } finally {
      signal?.removeEventListener('abort', abort);
      stream.cancel();
    }
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
  }

  private metadata(): Metadata {
    const metadata = new Metadata();
    if (this.token) metadata.set('authorization', `Bearer ${this.token}`);
    return metadata;
  }

  private unary<Req, Res>(method: 'submitJob' | 'getJob' | 'cancelJob' | 'listJobs', request: Req): Promise<Res> {
    return new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + this.callTimeoutMs);
      // The generated client has one overload per method; they share this shape.
      const call = this.client[method].bind(this.client) as unknown as (
        r: Req,
        m: Metadata,
        o: { deadline: Date },
        cb: (err: unknown, res: Res) => void,
      ) => void;
      call(request, this.metadata(), { deadline }, (err, res) => (err ? reject(GpulabError.from(err, this.address)) : resolve(res)));
    });
  }
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
