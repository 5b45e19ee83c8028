import pino, { type Logger } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON lines on stdout, one logger per service; children carry `jobId` and `team`.
 * `GPULAB_LOG_LEVEL` is read by each service's main and passed in here.
 */
export function createLogger(service: string, level = 'info'): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}
