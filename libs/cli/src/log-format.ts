import { type JobLogLine, type LogStreamName } from '@gpulab/sdk';
import { clockTime, type TimeOptions } from './time-format';

/** How a log line is written for people. */
export interface LogFormatOptions extends TimeOptions {
  /** ANSI colours on the stream's mark: for a terminal only, never in a file or a pipe. */
  colour?: boolean;
}

const MARKS: Record<LogStreamName, string> = { stdout: '[out]', stderr: '[err]', gpulab: '[gpulab]' };
/** stderr red, gpulab's own notes cyan; stdout keeps the terminal's colour. */
const COLOURS: Record<LogStreamName, string | undefined> = { stdout: undefined, stderr: '\u001b[31m', gpulab: '\u001b[36m' };
const RESET = '\u001b[0m';

/**
 * `HH:MM:SS [out] text`: the time of day the line was read, in the zone, and its stream, so the
 * two streams stay told apart when they are interleaved; gpulab's own lines are `[gpulab]`.
 */
export function logLineText(line: JobLogLine, options: LogFormatOptions = {}): string {
  const mark = MARKS[line.stream];
  const colour = options.colour ? COLOURS[line.stream] : undefined;
  return `${clockTime(new Date(line.at), options).slice(0, 8)} ${colour ? `${colour}${mark}${RESET}` : mark} ${line.text}`;
}

/** A line as `--json` prints it: one object per line, its time in ISO 8601. */
export function logLineJson(line: JobLogLine): { at: string; stream: LogStreamName; text: string; attempt: number } {
  return { at: new Date(line.at).toISOString(), stream: line.stream, text: line.text, attempt: line.attempt };
}
