import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** Our own metrics all start with this, so they never clash with a library's or Node's. */
export const METRIC_PREFIX = 'gpulab_';

/**
 * Loopback unless asked otherwise: the metrics name teams and servers, which is not for the
 * whole network to read. @default '127.0.0.1'
 */
export const DEFAULT_METRICS_HOST = '127.0.0.1';

/** Where a service serves `/metrics`. */
export interface MetricsEndpoint {
  /** 0 picks a free port (the bound one is in `MetricsServer.port`). */
  port: number;
  host: string;
}

/**
 * The endpoint from a service's settings, or undefined (metrics off) when no port is given.
 * `portField` names the setting in errors, e.g. `GPULAB_SCHEDULER_METRICS_PORT`.
 */
export function compileMetricsEndpoint(port: string | number | undefined, host: string | undefined, portField: string): MetricsEndpoint | undefined {
  if (port === undefined || (typeof port === 'string' && port.trim() === '')) return undefined;
  const n = typeof port === 'number' ? port : Number(port.trim());
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${portField}: "${String(port).slice(0, 20)}" is not a TCP port (0 to 65535; unset turns metrics off)`);
  const h = host === undefined || host.trim() === '' ? DEFAULT_METRICS_HOST : host.trim();
  return { port: n, host: h };
}

/**
 * A registry of one service's own, never prom-client's global one: two services in one process
 * (tests, benchmarks) must not mix their figures. Node's process metrics (CPU, memory, event
 * loop lag, GC) keep their standard names (`process_…`, `nodejs_…`), so stock dashboards read them.
 */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * A plain HTTP server with one page, `GET /metrics`, in Prometheus' text format. Each scrape
 * runs the registry's collect callbacks, so figures computed from state cost nothing between
 * scrapes.
 */
export class MetricsServer {
  private closed?: Promise<void>;

  private constructor(
    private readonly server: Server,
    readonly host: string,
    /** The port actually bound (differs from the asked one when that is 0). */
    readonly port: number,
  ) {}

  static async start(registry: Registry, endpoint: MetricsEndpoint): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: metrics are at /metrics\n');
        return;
      }
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD' }).end('only GET\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? undefined : text),
        (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics could not be collected: ${error instanceof Error ? error.message.slice(0, 200) : 'unknown error'}\n`),
      );
    });
    // A scrape that hangs must not hold the process open at shutdown.
    server.keepAliveTimeout = 5000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error) => reject(new Error(`metrics could not be served on ${endpoint.host}:${endpoint.port}: ${error.message}`, { cause: error })));
      server.listen(endpoint.port, endpoint.host, () => {
        server.removeAllListeners('error');
        resolve();
      });
    });
    return new MetricsServer(server, endpoint.host, (server.address() as AddressInfo).port);
  }

  /** Where to scrape, e.g. `http://127.0.0.1:9464/metrics`. */
  get url(): string {
    const host = this.host.includes(':') ? `[${this.host}]` : this.host;
    return `http://${host}:${this.port}/metrics`;
  }

  /** Stops listening and ends idle scrape connections; safe to call twice. */
  close(): Promise<void> {
    this.closed ??= new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeIdleConnections();
    });
    return this.closed;
  }
}
