#!/usr/bin/env node
/**
 * The scheduler's figures: a full term with 8 teams and 10,000 jobs through the pure core, and
 * 10,000 queued jobs through the scheduler service with real NATS and KV.
 *   npm run bench:scheduler    (BENCH_JOBS, BENCH_SERVICE_JOBS, BENCH_MEASURE launches, BENCH_RUN_MS per job)
 */
import { replayThroughService } from './service-replay';
import { percentile, printTable } from './stats';
import { replayTerm } from './term-replay';

async function main(): Promise<void> {
  const coreJobs = Number(process.env.BENCH_JOBS ?? 10_000);
  const serviceJobs = Number(process.env.BENCH_SERVICE_JOBS ?? 10_000);
  const runMs = Number(process.env.BENCH_RUN_MS ?? 500);
  const measure = Number(process.env.BENCH_MEASURE ?? 1000);

  const core = replayTerm(coreJobs);
  printTable(`pure core: full term, 8 teams, ${coreJobs} jobs`, [
    ['scheduling cycles', String(core.cycles)],
    ['decisions (placements, waits, preemptions)', String(core.decisions)],
    ['decisions per second', Math.round(core.decisions / (core.planMs / 1000)).toLocaleString('en-US')],
    ['cycle time p50 / p99 (ms)', `${percentile(core.cycleMs, 50).toFixed(3)} / ${percentile(core.cycleMs, 99).toFixed(3)}`],
    ['GPU free → next job placed, p50 / p99 (ms)', `${percentile(core.freeToStartMs, 50).toFixed(3)} / ${percentile(core.freeToStartMs, 99).toFixed(3)}`],
    ['jobs completed in the term', String(core.completed)],
    ['preemptions at slot ends', String(core.preemptions)],
  ]);

  const service = await replayThroughService(serviceJobs, runMs, Math.min(measure, serviceJobs));
  printTable(`scheduler service: ${serviceJobs} jobs queued, the first ${service.jobs} run (${runMs} ms each), real nats-server + KV`, [
    ['submissions per second (queueing, one client)', (service.queued / (service.submitMs / 1000)).toFixed(1)],
    ['jobs started while measuring', String(service.jobs)],
    ['time (s)', (service.wallMs / 1000).toFixed(1)],
    ['GPU free → next job launched, p50 (ms)', percentile(service.freeToStartMs, 50).toFixed(2)],
    ['GPU free → next job launched, p99 (ms)', percentile(service.freeToStartMs, 99).toFixed(2)],
    ['GPU free → next job launched, max (ms)', percentile(service.freeToStartMs, 100).toFixed(2)],
  ]);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
