#!/usr/bin/env node
import { workerInboxPrefix } from '@gpulab/contracts';
import { connectNats, createLogger, logRetries, natsTlsFromEnv, resilientJetStream, startHeartbeat, tolerateStrayNatsDialErrors, WorkerDataClient } from '@gpulab/platform';
import { jetstream } from '@nats-io/jetstream';
import { JobRunner } from './job-runner';
import { readWorkerEnv } from './worker-env';

async function main(): Promise<number> {
  const env = readWorkerEnv(process.env);
  const log = createLogger('worker', env.logLevel).child({ jobId: env.jobId, attempt: env.attempt, gpus: env.gpus });
  // Beside a team's container, which may run as any user: the folders and files made for its
  // command (inputs, the restored checkpoint, the code) must be writable by it.
  if (env.sharedDir) process.umask(0);
  const stop = new AbortController();
  let runner: JobRunner | undefined;
  // A stop notice: finish the current step (a run job: stop the command, store its folders),
  // then leave. The launcher kills us after its grace period.
  const leave = (why: string) => {
    if (stop.signal.aborted) return;
    log.info(why);
    stop.abort();
    setTimeout(() => process.exit(143), runner?.stopBudgetMs() ?? 500).unref();
  };
  process.once('SIGTERM', () => leave('stop requested'));
  tolerateStrayNatsDialErrors((error) => log.warn({ err: error.message }, 'a NATS reconnect attempt failed; still reconnecting'));
  const tls = natsTlsFromEnv(process.env);
  const nats = { url: env.natsUrl, creds: env.natsCreds, inboxPrefix: workerInboxPrefix(env.jobId, env.attempt), tls };
  const nc = await connectNats({ ...nats, name: `gpulab-worker-${env.jobId}` });
  const stopHeartbeat = startHeartbeat({
    natsUrl: env.natsUrl,
    creds: env.natsCreds,
    tls,
    jobId: env.jobId,
    attempt: env.attempt,
    intervalMs: env.heartbeatIntervalMs,
    onNotCurrent: () => leave('the scheduler no longer counts this attempt as current; stopping'),
    onRestart: (error) => log.warn({ err: error.message }, 'the heartbeat thread stopped on an error; started again'),
  });
  try {
    log.info('worker started');
    runner = new JobRunner(env, new WorkerDataClient(nc, env.jobId, env.attempt), resilientJetStream(jetstream(nc), { onRetry: logRetries(log) }), log, stop.signal);
    await runner.run();
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
