import { type ClientReadableStream } from '@grpc/grpc-js';
import { jobLogLineFromProto, type JobLogLineView, logStreamToProto, type LogStreamName, pb } from '@gpulab/contracts';
import { type Endpoint, GpulabError } from './errors';

/** What `streamJobLogs` and `logs` read of a job's output. */
export interface JobLogOptions {
  /** After the lines printed so far, go on with new ones until the job has ended. @default false */
  follow?: boolean;
  /** Only the last this many lines printed so far (at most 10,000). @default all */
  tail?: number;
  /** Only lines printed at or after this moment. @default from the start */
  since?: Date;
  /** Only this stream's lines. @default every stream */
  stream?: LogStreamName;
}

/** One line of a job's output: when it was read, its stream, its text and the attempt that printed it. */
export type JobLogLine = JobLogLineView;

export function logsRequest(id: string, options: JobLogOptions): pb.StreamJobLogsRequest {
  return {
    id,
    follow: options.follow ?? false,
    tail: options.tail ?? 0,
    since: options.since ? options.since.toISOString() : '',
    stream: options.stream ? logStreamToProto(options.stream) : pb.LogStream.LOG_STREAM_UNSPECIFIED,
  };
}

/** The lines of a `StreamJobLogs` call in order; aborting `signal` ends it without an error. */
export async function* readJobLogs(stream: ClientReadableStream<pb.StreamJobLogsResponse>, endpoint: Endpoint, signal?: AbortSignal): AsyncGenerator<JobLogLine> {
  const abort = () => stream.cancel();
  signal?.addEventListener('abort', abort, { once: true });
  try {
    for await (const response of stream as AsyncIterable<pb.StreamJobLogsResponse>) {
      for (const proto of response.lines) {
        const line = jobLogLineFromProto(proto);
        if (line) yield line;
      }
    }
  } catch (error) {
    if (signal?.aborted) return;
    throw GpulabError.from(error, endpoint);
  } finally {
    signal?.removeEventListener('abort', abort);
    stream.cancel();
  }
}
