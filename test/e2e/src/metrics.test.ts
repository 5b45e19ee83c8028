import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { LocalStack } from '@gpulab/local-stack';
import { freePort } from '@gpulab/platform';
import { GpulabClient } from '@gpulab/sdk';
import { listeningPorts } from './listening-ports';
import { tempDir } from './temp-dir';

/** The value of one series in Prometheus' text format, e.g. `gpulab_jobs{state="QUEUED",team="demo"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** A read limit small enough to reach in a test: a burst of 10 calls, then 1 a second. */
const READ_LIMIT = { GPULAB_RL_READ_RATE: '1', GPULAB_RL_READ_BURST: '10' };

async function scrape(url: string | undefined): Promise<string> {
  assert.ok(url, 'metrics are on');
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

function grpcPort(stack: LocalStack): number {
  return Number(stack.address.split(':').at(-1));
}

describe('Prometheus metrics of the scheduler and the gateway', () => {
  const dir = tempDir('metrics');
  let stack: LocalStack;

  before(async () => {
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0, metricsPorts: { scheduler: 0, gateway: 0 }, env: READ_LIMIT, schedulers: 2 });
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('counts a submission in both services: the job by state and team, the RPC by method and status', async () => {
    const client = stack.client();
    const stranger = new GpulabClient({ address: stack.address, token: 'not-a-token' });
    try {
      // Team demo has no slot booked: the job waits in the queue.
      const { job } = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } });
      assert.equal(job.state, 'QUEUED');
      await assert.rejects(stranger.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } }));
    } finally {
      client.close();
      stranger.close();
    }
    const scheduler = await scrape(stack.metricsUrls.scheduler);
    assert.equal(sample(scheduler, 'gpulab_submissions_total{team="demo"}'), 1);
    assert.equal(sample(scheduler, 'gpulab_jobs{state="QUEUED",team="demo"}'), 1);
    assert.equal(sample(scheduler, 'gpulab_jobs{state="RUNNING",team="demo"}'), 0);
    assert.equal(sample(scheduler, 'gpulab_gpus{server="s1",state="free"}'), 4);
    assert.equal(sample(scheduler, 'gpulab_scheduler_leading'), 1);
    assert.ok((sample(scheduler, 'gpulab_cycle_step_seconds_count{step="plan"}') ?? 0) >= 1);
    assert.match(scheduler, /^process_resident_memory_bytes /m, 'process metrics come along');

    const gateway = await scrape(stack.metricsUrls.gateway);
    assert.equal(sample(gateway, 'gpulab_rpc_requests_total{method="SubmitJob",code="OK"}'), 1);
    assert.equal(sample(gateway, 'gpulab_rpc_requests_total{method="SubmitJob",code="UNAUTHENTICATED"}'), 1);
    assert.equal(sample(gateway, 'gpulab_rpc_duration_seconds_count{method="SubmitJob"}'), 2);
    assert.equal(sample(gateway, 'gpulab_rpc_in_flight{method="SubmitJob"}'), 0);
    assert.doesNotMatch(gateway, /not-a-token/, 'no token in any label');
  });

  it('counts calls refused by the rate limit under their group', async () => {
    const client = stack.client();
    try {
      const results = await Promise.allSettled(Array.from({ length: 30 }, () => client.listJobs({ pageSize: 1 })));
      assert.ok(results.some((r) => r.status === 'rejected'), 'some calls were refused');
    } finally {
      client.close();
    }
    const gateway = await scrape(stack.metricsUrls.gateway);
    assert.ok((sample(gateway, 'gpulab_rate_limited_total{group="read"}') ?? 0) >= 1);
    assert.ok((sample(gateway, 'gpulab_rpc_requests_total{method="ListJobs",code="RESOURCE_EXHAUSTED"}') ?? 0) >= 1);
  });

  it('opens the metrics ports on loopback and no other port than asked', () => {
    const scheduler = Number(new URL(stack.metricsUrls.scheduler ?? '').port);
    const gateway = Number(new URL(stack.metricsUrls.gateway ?? '').port);
    assert.deepEqual(listeningPorts(stack.servicePid('scheduler') ?? 0), [scheduler]);
    assert.deepEqual(listeningPorts(stack.servicePid('gateway') ?? 0), [grpcPort(stack), gateway].sort((a, b) => a - b));
  });

  it('serves a standby’s metrics on a port of its own, where it says it does not lead and reports no jobs', async () => {
    const pid = stack.servicePid('scheduler-standby') ?? 0;
    let ports: number[] = [];
    for (let i = 0; i < 100 && ports.length === 0; i++) {
      ports = listeningPorts(pid);
      if (ports.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(ports.length, 1, 'the standby listens on one port');
    assert.notEqual(`http://127.0.0.1:${ports[0]}/metrics`, stack.metricsUrls.scheduler);
    const standby = await scrape(`http://127.0.0.1:${ports[0]}/metrics`);
    assert.equal(sample(standby, 'gpulab_scheduler_leading'), 0);
    assert.doesNotMatch(standby, /^gpulab_jobs\{/m);
  });
});

describe('metrics left unset', () => {
  const dir = tempDir('metrics-off');
  let stack: LocalStack;
  let shellPort: number;

  before(async () => {
    // A shell that holds a course server's setting: the local stack keeps it out unless asked.
    shellPort = await freePort();
    process.env.GPULAB_SCHEDULER_METRICS_PORT = String(shellPort);
    try {
      stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0 });
    } finally {
      delete process.env.GPULAB_SCHEDULER_METRICS_PORT;
    }
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('opens no metrics port in either service', async () => {
    assert.deepEqual(stack.metricsUrls, { scheduler: undefined, gateway: undefined });
    assert.deepEqual(listeningPorts(stack.servicePid('scheduler') ?? 0), []);
    assert.deepEqual(listeningPorts(stack.servicePid('gateway') ?? 0), [grpcPort(stack)]);
    await assert.rejects(fetch(`http://127.0.0.1:${shellPort}/metrics`));
  });
});
