import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { PinoLogger } from 'nestjs-pino';
import { GatewayMetrics } from './gateway-metrics';

function metrics(): GatewayMetrics {
  return new GatewayMetrics(new PinoLogger({ pinoHttp: { level: 'silent' } }), {});
}

function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('the gateway’s RPC metrics', () => {
  it('counts a call by method and status name once it ends, and only once', async () => {
    const m = metrics();
    const done = m.started('SubmitJob');
    assert.equal(sample(await m.registry.metrics(), 'gpulab_rpc_in_flight{method="SubmitJob"}'), 1);
    done(status.INVALID_ARGUMENT);
    done(status.OK);
    const text = await m.registry.metrics();
    assert.equal(sample(text, 'gpulab_rpc_in_flight{method="SubmitJob"}'), 0);
    assert.equal(sample(text, 'gpulab_rpc_requests_total{method="SubmitJob",code="INVALID_ARGUMENT"}'), 1);
    assert.equal(sample(text, 'gpulab_rpc_requests_total{method="SubmitJob",code="OK"}'), undefined);
    assert.equal(sample(text, 'gpulab_rpc_duration_seconds_count{method="SubmitJob"}'), 1);
  });

  it('counts rate-limit refusals by group, and opens no port when none is configured', async () => {
    const m = metrics();
    m.rateLimited('submit');
    m.rateLimited('submit');
    assert.equal(sample(await m.registry.metrics(), 'gpulab_rate_limited_total{group="submit"}'), 2);
    await m.onApplicationBootstrap();
    assert.equal(m.url, undefined);
    await m.onApplicationShutdown();
  });
});
