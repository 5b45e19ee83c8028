import * as pb from './pb';
import { type LogLine, type LogStreamName } from './job-logs';

/**
 * What one `StreamJobLogs` call may ask for and is sent at once: a tail is kept in the gateway's
 * memory until it is sent, and a reply of a few hundred lines stays far below any message limit
 * (`LOG_LIMITS.maxLineBytes` each) while a chatty job still costs few writes.
 */
export const LOG_READ_LIMITS = {
  maxTail: 10_000,
  linesPerReply: 500,
} as const;

/** A log line as the gateway reads it for a reader: with the attempt that printed it. */
export interface JobLogLineView extends LogLine {
  attempt: number;
}

const STREAM_TO_PROTO: Record<LogStreamName, pb.LogStream> = {
  stdout: pb.LogStream.LOG_STREAM_STDOUT,
  stderr: pb.LogStream.LOG_STREAM_STDERR,
  gpulab: pb.LogStream.LOG_STREAM_GPULAB,
};

const STREAM_FROM_PROTO = new Map<pb.LogStream, LogStreamName>(Object.entries(STREAM_TO_PROTO).map(([name, value]) => [value, name as LogStreamName]));

export function logStreamToProto(stream: LogStreamName): pb.LogStream {
  return STREAM_TO_PROTO[stream];
}

/** Undefined for UNSPECIFIED (every stream, in a request) and for numbers this version does not know. */
export function logStreamFromProto(stream: pb.LogStream): LogStreamName | undefined {
  return STREAM_FROM_PROTO.get(stream);
}

export function jobLogLineToProto(line: JobLogLineView): pb.JobLogLine {
  return { at: new Date(line.at).toISOString(), stream: logStreamToProto(line.stream), text: line.text, attempt: line.attempt };
}

/** Undefined for a line of a stream this version does not know, which a reader skips. */
export function jobLogLineFromProto(line: pb.JobLogLine): JobLogLineView | undefined {
  const stream = logStreamFromProto(line.stream);
  const at = Date.parse(line.at);
  if (!stream || !Number.isFinite(at)) return undefined;
  return { at, stream, text: line.text, attempt: line.attempt };
}
