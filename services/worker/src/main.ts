#!/usr/bin/env node
import { connectNats, createLogger, openJetStreamResources, startHeartbeat } from '@gpulab/platform';
import { JobRunner } from './job-runner';
import { readWorkerEnv } from './worker-env';

async function main(): Promise<number> {
  const env = readWorkerEnv(process.env);
  const log = createLogger('worker', env.logLevel).child({ jobId: env.jobId, attempt: env.attempt, gpus: env.gpus });
  const stop = new AbortController();
  // A stop notice: finish the current step, then leave. The launcher kills us after its grace period.
  process.once('SIGTERM', () => {
    log.info('stop requested');
    stop.abort();
    setTimeout(() => process.exit(143), 500).unref();
  });
  const nc = await connectNats({ url: env.natsUrl, name: `gpulab-worker-${env.jobId}` });
  const stopHeartbeat = startHeartbeat({ natsUrl: env.natsUrl, jobId: env.jobId, attempt: env.attempt, intervalMs: env.heartbeatIntervalMs });
  try {
    const resources = await openJetStreamResources(nc);
    log.info('worker started');
    await new JobRunner(env, resources, log, stop.signal).run();
    return 0;
  } finally {
    await stopHeartbeat();
    await nc.drain();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(JSON.stringify({ level: 50, service: 'worker', msg: error instanceof Error ? error.message : String(error) }));
    process.exit(1);
  },
);
