import { Injectable } from '@nestjs/common';
import { InjectPinoLogger, PinoLogger } from 'nestjs-pino';
import { type ServerWritableStream, type UntypedHandleCall } from '@grpc/grpc-js';
import {
  type Caller,
  ErrorCodes,
  ErrorReasons,
  isTerminalState,
  isTutor,
  JOB_ID_PATTERN,
  type JobRecord,
  jobRecordToProto,
  jobStateFromProto,
  type JobStateName,
  JobStates,
  jobLogLineToProto,
  LOG_READ_LIMITS,
  logStreamFromProto,
  pb,
  quoteInput,
  RETENTION_DELETER,
  RUN_KIND_NAME,
  storageUsageToProto,
} from '@gpulab/contracts';
import { prepareParams } from '@gpulab/compute';
import { findJobKind } from '@gpulab/jobs';
import { ulid } from 'ulid';
import { BenchmarkRows } from './benchmark-rows';
import { GatewayError } from './errors';
import { asInvalidArgument, InputIntake } from './input-intake';
import { ModelReference } from './model-reference';
import { JobEventFeed } from './job-event-feed';
import { JobLogReader, type LogReadRequest } from './job-log-reader';
import { JobOutputs } from './job-outputs';
import { JobResources } from './job-resources';
import { ResultDownload } from './result-download';
import { ResultReader } from './result-reader';
import { RpcHandler } from './rpc-handler';
import { SchedulerClient } from './scheduler-client';

/** Implements `gpulab.v1.JobService`: authenticate, validate, forward, map back. */
@Injectable()
export class JobsGrpcService {
  constructor(
    @InjectPinoLogger('JobService') private readonly log: PinoLogger,
    private readonly scheduler: SchedulerClient,
    private readonly intake: InputIntake,
    private readonly results: ResultReader,
    private readonly feed: JobEventFeed,
    private readonly rpc: RpcHandler,
    private readonly downloads: ResultDownload,
    private readonly models: ModelReference,
    private readonly outputs: JobOutputs,
    private readonly benchmarks: BenchmarkRows,
    private readonly logs: JobLogReader,
    private readonly resources: JobResources,
  ) {}

  implementation(): pb.JobServiceServer & { [name: string]: UntypedHandleCall } {
    return {
      submitJob: this.rpc.unary('SubmitJob', (caller, req: pb.SubmitJobRequest) => this.submit(caller, req)),
      getJob: this.rpc.unary('GetJob', async (caller, req: pb.GetJobRequest) => ({ job: await this.toProto((await this.scheduler.call('get', { caller, jobId: jobId(req.id) })).job) })),
      cancelJob: this.rpc.unary('CancelJob', async (caller, req: pb.CancelJobRequest) => ({
        job: await this.toProto((await this.scheduler.call('cancel', { caller, jobId: jobId(req.id) })).job),
      })),
      listJobs: this.rpc.unary('ListJobs', (caller, req: pb.ListJobsRequest) => this.list(caller, req)),
      watchJob: this.rpc.serverStream('WatchJob', (caller, call: ServerWritableStream<pb.WatchJobRequest, pb.WatchJobResponse>, signal) => this.watch(caller, call, signal)),
      downloadResult: this.rpc.serverStream('DownloadResult', (caller, call: ServerWritableStream<pb.DownloadResultRequest, pb.DownloadResultResponse>, signal) =>
        this.download(caller, call, signal),
      ),
      deleteJobOutputs: this.rpc.unary('DeleteJobOutputs', (caller, req: pb.DeleteJobOutputsRequest) => this.deleteOutputs(caller, req)),
      listBenchmarkRows: this.rpc.unary('ListBenchmarkRows', (_caller, req: pb.ListBenchmarkRowsRequest) => this.benchmarks.list(req)),
      streamJobLogs: this.rpc.serverStream('StreamJobLogs', (caller, call: ServerWritableStream<pb.StreamJobLogsRequest, pb.StreamJobLogsResponse>, signal) =>
        this.streamLogs(caller, call, signal),
      ),
    };
  }

  private async deleteOutputs(caller: Caller, req: pb.DeleteJobOutputsRequest): Promise<pb.DeleteJobOutputsResponse> {
    const done = await this.outputs.delete(caller, jobId(req.id));
    const deletion = done.job.outputsDeleted;
    this.log.info({ jobId: done.job.id, team: done.job.team, files: done.files, freedBytes: done.freedBytes, alreadyDeleted: done.alreadyDeleted }, 'job outputs deleted');
    return {
      id: done.job.id,
      alreadyDeleted: done.alreadyDeleted,
      deletedFiles: done.files,
      freedBytes: done.freedBytes,
      deletedAt: deletion?.at ?? '',
      deletedBy: deletion?.by ?? '',
      usage: storageUsageToProto(done.usage),
    };
  }

  private async submit(caller: Caller, req: pb.SubmitJobRequest): Promise<pb.SubmitJobResponse> {
    const kindName = req.kind.trim();
    if (!kindName) throw new GatewayError(ErrorCodes.invalidArgument, 'kind is missing (e.g. "pca")');
    const kind = asInvalidArgument(() => findJobKind(kindName));
    if (kind.tutorsOnly && !isTutor(caller)) {
      throw new GatewayError(ErrorCodes.permissionDenied, `the job kind ${kind.name} is a test kind that only tutors may submit`);
    }
    const gpus = req.gpus === 0 ? 1 : req.gpus;
    const id = `j-${ulid().toLowerCase()}`;
    const input = await this.intake.accept(caller, id, req.input);
    try {
      if (kind.input === 'matrix' && !input.shape) {
        throw new GatewayError(ErrorCodes.invalidArgument, `${kind.name} needs data: give --input FILE.csv or --dataset NAME`);
      }
      const params = asInvalidArgument(() => prepareParams(kind, req.params ?? {}, input.shape));
      await this.models.check(caller, kind, params);
      const reply = await this.scheduler.call('submit', { caller, jobId: id, kind: kind.name, params, input: input.spec, gpus, priority: req.priority, preemptible: req.preemptible });
      this.log.info({ jobId: id, team: reply.job.team, kind: kind.name }, 'job submitted');
      return { job: await this.toProto(reply.job), notices: reply.notices ?? [] };
    } catch (error) {
      await input.discard();
      throw error;
    }
  }

  /**
   * A job that succeeded downloads its result; one that failed or was cancelled, the record of
   * the files it kept (a run job's outputs) and those files, when it kept any. Another team's
   * job is refused as GetJob refuses it.
   */
  private async download(caller: Caller, call: ServerWritableStream<pb.DownloadResultRequest, pb.DownloadResultResponse>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const { job } = await this.scheduler.call('get', { caller, jobId: jobId(call.request.id) });
    const ended = isTerminalState(job.state);
    if (!ended || (job.state !== JobStates.succeeded && !job.resultRef && !job.outputsDeleted)) {
      const why = job.reason ? ` (${job.reason})` : '';
      const hint = ended ? keptNothingHint(job) : `its result can be downloaded once it has SUCCEEDED, or the files it kept once it has ended; "gpulab watch ${job.id}" follows it`;
      throw new GatewayError(ErrorCodes.failedPrecondition, `job ${job.id} is ${job.state}${why}: ${hint}`, { reason: ErrorReasons.jobNotSucceeded, metadata: { job: job.id, state: job.state } });
    }
    if (job.outputsDeleted) throw new GatewayError(ErrorCodes.failedPrecondition, outputsDeletedMessage(job));
    if (!job.resultRef) throw new GatewayError(ErrorCodes.notFound, `job ${job.id} succeeded but its result is not stored`, { reason: ErrorReasons.resultNotFound, metadata: { job: job.id } });
    const sent = await this.downloads.send(job.team, job.id, job.resultRef, call, signal, { fileIndex: call.request.resumeFileIndex, offset: call.request.resumeOffset });
    return { jobId: job.id, ...sent };
  }

  private async list(caller: Caller, req: pb.ListJobsRequest): Promise<pb.ListJobsResponse> {
    const states: JobStateName[] = req.states.map((s) => {
      const name = jobStateFromProto(s);
      if (!name) throw new GatewayError(ErrorCodes.invalidArgument, `state ${s} is not a job state`);
      return name;
    });
    if (req.pageSize > 500) throw new GatewayError(ErrorCodes.invalidArgument, `page_size is at most 500, not ${req.pageSize}`);
    const reply = await this.scheduler.call('list', { caller, states, team: req.team || undefined, pageSize: req.pageSize, pageToken: req.pageToken || undefined });
    return { jobs: reply.jobs.map((j) => jobRecordToProto(j)), nextPageToken: reply.nextPageToken ?? '' };
  }

  private async watch(caller: Caller, call: ServerWritableStream<pb.WatchJobRequest, pb.WatchJobResponse>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const { job } = await this.scheduler.call('get', { caller, jobId: jobId(call.request.id) });
    const isOver = async () => isTerminalState((await this.scheduler.call('get', { caller, jobId: job.id })).job.state);
    let events = 0;
    for await (const event of this.feed.follow(job.id, isOver, signal)) {
      if (signal.aborted) break;
      events++;
      // Flow control: a client that reads slowly is not sent more until it has taken what it was
      // sent; its watch then lags behind in the job's shared events, not in this process's memory.
      if (!call.write({ event })) await drained(call, signal);
    }
    return { jobId: job.id, team: job.team, events };
  }

  /** Readable by whoever may read the job (GetJob's rule); the request is checked before the job is asked for. */
  private async streamLogs(caller: Caller, call: ServerWritableStream<pb.StreamJobLogsRequest, pb.StreamJobLogsResponse>, signal: AbortSignal): Promise<Record<string, unknown>> {
    const req = call.request;
    const id = jobId(req.id);
    const options = logReadOptions(req);
    const { job } = await this.scheduler.call('get', { caller, jobId: id });
    const isOver = async () => isTerminalState((await this.scheduler.call('get', { caller, jobId: job.id })).job.state);
    let lines = 0;
    for await (const window of this.logs.read(job.id, { ...options, isOver, signal })) {
      if (signal.aborted) break;
      lines += window.length;
      if (!call.write({ lines: window.map(jobLogLineToProto) })) await drained(call, signal);
    }
    return { jobId: job.id, team: job.team, lines, follow: options.follow };
  }

  private async toProto(job: JobRecord): Promise<pb.Job> {
    const [result, resources] = await Promise.all([job.resultRef && !job.outputsDeleted ? this.results.read(job.resultRef) : undefined, this.resources.of(job)]);
    return jobRecordToProto(job, result, resources);
  }
}

/** Why an ended job that did not succeed has nothing to download. */
function keptNothingHint(job: JobRecord): string {
  // A cancelled attempt stores its outputs while its command stops, after the job's record ended;
  // its worker may die in those seconds (killed, its machine lost), and then no list of its files
  // ever comes. The gateway does not know the scheduler's stop grace, so it says both cases.
  if (job.state === JobStates.cancelled && job.kind === RUN_KIND_NAME) {
    const at = job.finishedAt ? ` at ${job.finishedAt}` : '';
    return `it kept no files: a cancelled run job stores its outputs while its command stops, in the stop grace after the cancel${at}; ask again if that was seconds ago, otherwise its worker ended before it stored the list of its files and none of them can be downloaded ("gpulab outputs rm ${job.id}" frees the space those it stored take)`;
  }
  return 'it kept no files to download';
}

function outputsDeletedMessage(job: JobRecord): string {
  const deletion = job.outputsDeleted;
  const who = deletion?.by === RETENTION_DELETER ? 'by the retention (GPULAB_OUTPUT_RETENTION_DAYS after the job ended)' : `by ${deletion?.by}`;
  return `the result and files of job ${job.id} were deleted on ${deletion?.at} ${who}; run the job again to get them back`;
}

/** Resolves once a stream that refused more has taken what it was sent, or the call ended. */
function drained(call: NodeJS.EventEmitter, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      call.off('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function logReadOptions(req: pb.StreamJobLogsRequest): Omit<LogReadRequest, 'isOver' | 'signal'> {
  if (req.tail > LOG_READ_LIMITS.maxTail) throw new GatewayError(ErrorCodes.invalidArgument, `tail is at most ${LOG_READ_LIMITS.maxTail} lines, not ${req.tail}`);
  const stream = req.stream === pb.LogStream.LOG_STREAM_UNSPECIFIED ? undefined : logStreamFromProto(req.stream);
  if (req.stream !== pb.LogStream.LOG_STREAM_UNSPECIFIED && !stream) throw new GatewayError(ErrorCodes.invalidArgument, `stream ${req.stream} is not a log stream`);
  const since = req.since.trim();
  const sinceMs = since ? Date.parse(since) : undefined;
  if (sinceMs !== undefined && !Number.isFinite(sinceMs)) throw new GatewayError(ErrorCodes.invalidArgument, `since ${quoteInput(req.since)} is not an RFC 3339 time (e.g. 2026-12-03T14:05:00Z)`);
  return { follow: req.follow, tail: req.tail, sinceMs, stream };
}

function jobId(raw: string): string {
  const id = raw.trim();
  if (!id) throw new GatewayError(ErrorCodes.invalidArgument, 'the job id is missing');
  if (!JOB_ID_PATTERN.test(id)) throw new GatewayError(ErrorCodes.invalidArgument, `${quoteInput(raw)} is not a job id (ids look like j-01jd…)`);
  return id;
}
