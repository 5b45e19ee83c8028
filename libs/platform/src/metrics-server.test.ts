import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Counter } from 'prom-client';
import { compileMetricsEndpoint, createMetricsRegistry, MetricsServer } from './metrics-server';

describe('the metrics endpoint', () => {
  it('is off when no port is set, and on loopback unless a host is given', () => {
    assert.equal(compileMetricsEndpoint(undefined, undefined, 'GPULAB_X_METRICS_PORT'), undefined);
    assert.equal(compileMetricsEndpoint('  ', '0.0.0.0', 'GPULAB_X_METRICS_PORT'), undefined);
    assert.deepEqual(compileMetricsEndpoint('9464', undefined, 'GPULAB_X_METRICS_PORT'), { port: 9464, host: '127.0.0.1' });
    assert.deepEqual(compileMetricsEndpoint(9464, '0.0.0.0', 'GPULAB_X_METRICS_PORT'), { port: 9464, host: '0.0.0.0' });
  });

  it('refuses a port that is not one and names the setting, without echoing a long value', () => {
    assert.throws(() => compileMetricsEndpoint('http', undefined, 'GPULAB_X_METRICS_PORT'), /GPULAB_X_METRICS_PORT: "http" is not a TCP port/);
    assert.throws(() => compileMetricsEndpoint('70000', undefined, 'GPULAB_X_METRICS_PORT'), /not a TCP port/);
    assert.throws(
      () => compileMetricsEndpoint('9'.repeat(5000), undefined, 'GPULAB_X_METRICS_PORT'),
      (error: Error) => error.message.length < 200,
    );
  });

  it('serves its own registry at /metrics in the Prometheus text format, process metrics included', async () => {
    const registry = createMetricsRegistry();
    new Counter({ name: 'gpulab_test_things_total', help: 'Things.', registers: [registry] }).inc(3);
    const server = await MetricsServer.start(registry, { port: 0, host: '127.0.0.1' });
    try {
      const res = await fetch(server.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), registry.contentType);
      const text = await res.text();
      assert.match(text, /^gpulab_test_things_total 3$/m);
      assert.match(text, /^process_cpu_user_seconds_total /m);
      assert.equal((await fetch(server.url.replace('/metrics', '/other'))).status, 404);
      assert.equal((await fetch(server.url, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
      await server.close();
    }
    await assert.rejects(fetch(server.url), 'the port is closed after close()');
  });

  it('fails to start with the reason when the port is taken', async () => {
    const first = await MetricsServer.start(createMetricsRegistry(), { port: 0, host: '127.0.0.1' });
    try {
      await assert.rejects(MetricsServer.start(createMetricsRegistry(), { port: first.port, host: '127.0.0.1' }), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
