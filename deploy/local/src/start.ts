#!/usr/bin/env node
import { describeServiceEvent, LocalStack } from './local-stack';

/** `npm start`: the local stack until Ctrl-C. */
async function main(): Promise<void> {
  const env = process.env;
  const stack = await LocalStack.start({
    dataDir: env.GPULAB_DATA_DIR,
    port: env.GPULAB_PORT ? Number(env.GPULAB_PORT) : undefined,
    gpuLayout: env.GPULAB_GPU_LAYOUT,
    schedulers: schedulerCount(env.GPULAB_SCHEDULERS),
    metricsPorts: { scheduler: metricsPort(env, 'GPULAB_SCHEDULER_METRICS_PORT', 9464), gateway: metricsPort(env, 'GPULAB_GATEWAY_METRICS_PORT', 9465) },
    onServiceEvent: (event) => console.log(`${new Date().toLocaleTimeString()} ${describeServiceEvent(event)}`),
  });
  console.log(`gpulab local stack: gateway on ${stack.address}, NATS on ${stack.nats.url}`);
  if (stack.schedulers > 1) console.log(`${stack.schedulers} schedulers: one leads, ${stack.schedulers - 1} on standby behind its lease`);
  const metrics = stack.metricsUrls;
  if (metrics.scheduler || metrics.gateway) console.log(`metrics (Prometheus): scheduler ${metrics.scheduler ?? 'off'}, gateway ${metrics.gateway ?? 'off'}`);
  console.log(`data in ${stack.dataDir} (tokens: ${stack.tokensFile}, logs: ${stack.logDir})`);
  if (stack.firstStart) await bookDemoSlot(stack);
  console.log(`try: npx gpulab submit pca --dataset seed-example --components 1 --wait`);
  console.log('ready (Ctrl-C to stop)');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping…');
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

/**
 * A new course's first job should run, not wait for a slot nobody booked: the first start books
 * today's setup slot (1 day, 2 GPUs) for team demo, from the tutor's quota of setup slots.
 */
async function bookDemoSlot(stack: LocalStack): Promise<void> {
  const tutor = stack.client(stack.tokens.tutor);
  try {
    const slot = await tutor.bookSlot({ team: 'demo', kind: 'setup', start: 'today' });
    console.log(`booked today's setup slot for team demo (${slot.server} GPUs ${slot.gpus.join(',')}, until ${slot.endsAt}), so its first jobs run at once`);
  } catch (error) {
    console.log(`could not book a setup slot for team demo (${error instanceof Error ? error.message : String(error)}); submit with --preemptible to use idle GPUs`);
  } finally {
    tutor.close();
  }
}

/** A metrics port from the shell, its default when unset; `off` (or empty) turns that service's metrics off. */
function metricsPort(env: NodeJS.ProcessEnv, variable: string, fallback: number): number | undefined {
  const raw = env[variable];
  if (raw === undefined) return fallback;
  if (raw.trim() === '' || raw.trim() === 'off') return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${variable} is a TCP port (or "off"), not "${raw.slice(0, 20)}"`);
  return n;
}

/** GPULAB_SCHEDULERS: how many scheduler processes (1 leader, the rest standbys). */
function schedulerCount(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`GPULAB_SCHEDULERS is a whole number from 1 to 5, not "${raw.slice(0, 20)}"`);
  return n;
}

main().catch((error: unknown) => {
  console.error(`gpulab: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
