import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type TokensFile } from '@gpulab/contracts';
import { ensureNatsIdentities, ensureTokensFile, freePort, type NatsAuthFiles, NatsServerProcess, serverAuthConfig } from '@gpulab/platform';
import { GpulabClient, type TlsSetting } from '@gpulab/sdk';
import { nextRestart } from './restart-backoff';
import { ServiceLogs } from './service-logs';

export interface LocalStackOptions {
  /** Everything lives here: JetStream's store, tokens.json, logs. @default './.gpulab' */
  dataDir?: string;
  /** The gateway's port; 0 picks a free one. @default 50051 */
  port?: number;
  /** The NATS port; 0 picks a free one. @default 0 */
  natsPort?: number;
  /**
   * Client URLs of a NATS the stack does not run (a cluster of several servers): the stack
   * starts no nats-server and hands the services the whole list, so each fails over on its own.
   * The servers must trust the identities in the data folder's `nats-auth/` (`ensureNatsIdentities`
   * made before the servers start). @default a nats-server of the stack's own
   */
  natsServers?: string[];
  /** GPUs per server. @default '4,2,2' */
  gpuLayout?: string;
  /** Extra variables for the scheduler (and through it the workers) and the gateway. */
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the stack to answer. @default 30000 */
  readyTimeoutMs?: number;
  /**
   * TLS of the stack's own clients (its readiness check and `client()`), for a gateway given
   * GPULAB_TLS_CERT and GPULAB_TLS_KEY in `env`. @default false: plaintext, whatever GPULAB_TLS_*
   * the shell holds for a course server
   */
  clientTls?: TlsSetting;
  /** Scheduler processes: the leader and standbys behind its lease (`scheduler-standby`, `scheduler-standby-2`, …). @default 1 */
  schedulers?: number;
  /**
   * Prometheus metrics ports of the scheduler (`GPULAB_SCHEDULER_METRICS_PORT`) and the gateway
   * (`GPULAB_GATEWAY_METRICS_PORT`); 0 picks a free one. Standby schedulers serve theirs on a
   * port the system picks. @default off, whatever the shell holds
   */
  metricsPorts?: { scheduler?: number; gateway?: number };
  /** Told when a service dies unexpectedly and when it is started again (also written to logs/stack.log). */
  onServiceEvent?: (event: ServiceEvent) => void;
}

export type ServiceName = 'scheduler' | 'gateway';

/** What the stack's supervision did. */
export type ServiceEvent =
  | { type: 'died'; instance: string; code: number | null; signal: NodeJS.Signals | null; restartInMs: number; crashesInARow: number }
  | { type: 'restarted'; instance: string; pid: number | undefined };

/** A one-line account of a supervision event, for people. */
export function describeServiceEvent(event: ServiceEvent): string {
  if (event.type === 'restarted') return `the ${event.instance} is running again (pid ${event.pid ?? 'unknown'})`;
  const how = event.signal ? `was killed (${event.signal})` : `exited with code ${event.code}`;
  const inARow = event.crashesInARow > 1 ? ` (${event.crashesInARow} times in a row)` : '';
  return `the ${event.instance} ${how} unexpectedly${inARow}; restarting it in ${formatSeconds(event.restartInMs)}`;
}

function formatSeconds(ms: number): string {
  return ms < 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

interface Service {
  name: ServiceName;
  child: ChildProcess;
  startedAt: number;
  /** False once the stack itself stops it (killService, close): such an exit is meant. */
  supervised: boolean;
  crashesInARow: number;
  restartTimer?: NodeJS.Timeout;
}

const entry = (pkg: string) => require.resolve(`@gpulab/${pkg}/main`);

/**
 * nats-server, scheduler and gateway as child processes on this machine, with simulated GPUs.
 * Used by `npm start`, the demo and the end-to-end tests, so all three run the same stack.
 * A scheduler or gateway that dies unexpectedly is started again, after a delay that grows
 * while it keeps dying (`nextRestart`).
 * NATS trusts no one without credentials: the stack creates the identities on first start
 * (`nats-auth/` in the data folder) and gives each service its own.
 */
export class LocalStack {
  private readonly services = new Map<string, Service>();
  private closing = false;
  /** Until the stack first answers, an exit fails the start instead (a broken configuration). */
  private ready = false;

  private constructor(
    readonly dataDir: string,
    readonly address: string,
    readonly tokens: TokensFile,
    readonly tokensFile: string,
    /** Where the services connect: the stack's nats-server, or the `natsServers` list joined by commas. */
    readonly natsUrl: string,
    /** Absent when the stack was given `natsServers`. */
    private natsServer: NatsServerProcess | undefined,
    readonly natsAuth: NatsAuthFiles,
    /** True when this start created the data folder's tokens (a new course). */
    readonly firstStart: boolean,
    private readonly serviceEnv: NodeJS.ProcessEnv,
    private readonly clientTls: TlsSetting,
    private readonly onServiceEvent: (event: ServiceEvent) => void,
    private readonly logs: ServiceLogs,
  ) {}

  static async start(options: LocalStackOptions = {}): Promise<LocalStack> {
    const dataDir = resolve(options.dataDir ?? './.gpulab');
    const logDir = join(dataDir, 'logs');
    // Jobs, uploads, token hashes and logs are the course's: only this user may read them.
    for (const dir of [dataDir, logDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      chmodSync(dir, 0o700);
    }
    const { tokens, path: tokensFile, created: firstStart } = ensureTokensFile(dataDir);
    const { files: natsAuth, identities } = await ensureNatsIdentities(dataDir);
    adoptAnonymousStore(join(dataDir, 'nats'), identities.account.publicKey);
    const logs = new ServiceLogs(logDir);
    const natsLog = logs.stream('nats');
    const external = options.natsServers;
    if (external?.length === 0) throw new Error('natsServers: name at least one server');
    const nats = external
      ? undefined
      : await NatsServerProcess.start({
          storeDir: join(dataDir, 'nats'),
          port: options.natsPort || undefined,
          onOutput: (line) => natsLog.write(`${line}\n`),
          authConfig: serverAuthConfig(identities, natsAuth.operatorJwt),
        });
    const natsUrl = nats?.url ?? (external ?? []).join(',');
    const port = options.port === 0 ? await freePort() : (options.port ?? 50051);
    const metricsPort = async (p: number | undefined) => (p === undefined ? '' : String(p === 0 ? await freePort() : p));
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GPULAB_NATS_URL: natsUrl,
      GPULAB_DATA_DIR: dataDir,
      GPULAB_TOKENS_FILE: tokensFile,
      GPULAB_PORT: String(port),
      GPULAB_HOST: '127.0.0.1',
      // Plaintext on loopback unless `env` asks for TLS: a shell's settings for a course server stay out.
      GPULAB_TLS_CERT: '',
      GPULAB_TLS_KEY: '',
      GPULAB_TLS_CLIENT_CA: '',
      GPULAB_SCHEDULER_METRICS_PORT: await metricsPort(options.metricsPorts?.scheduler),
      GPULAB_GATEWAY_METRICS_PORT: await metricsPort(options.metricsPorts?.gateway),
      ...(options.gpuLayout ? { GPULAB_GPU_LAYOUT: options.gpuLayout } : {}),
      ...options.env,
    };
    // Over TLS, a name: Node warns when a bare IP is a TLS server name (a test certificate names localhost).
    const address = options.clientTls ? `localhost:${port}` : `127.0.0.1:${port}`;
    const stack = new LocalStack(dataDir, address, tokens, tokensFile, natsUrl, nats, natsAuth, firstStart, env, options.clientTls ?? false, options.onServiceEvent ?? (() => {}), logs);
    try {
      stack.startService('scheduler');
      stack.startService('gateway');
      await stack.waitUntilReady(options.readyTimeoutMs ?? 30_000);
      stack.ready = true;
      // Once `scheduler` answers it holds the lease: the others wait behind it.
      for (let i = 2; i <= (options.schedulers ?? 1); i++) stack.startService('scheduler', i === 2 ? 'scheduler-standby' : `scheduler-standby-${i - 1}`);
    } catch (error) {
      await stack.close();
      throw error;
    }
    return stack;
  }

  /**
   * Where the scheduler (the instance `scheduler`, leader or not) and the gateway serve their
   * metrics; absent when off.
   */
  get metricsUrls(): { scheduler?: string; gateway?: string } {
    const host = this.serviceEnv.GPULAB_METRICS_HOST?.trim() || '127.0.0.1';
    const url = (port: string | undefined) => (port?.trim() ? `http://${host.includes(':') ? `[${host}]` : host}:${port.trim()}/metrics` : undefined);
    return { scheduler: url(this.serviceEnv.GPULAB_SCHEDULER_METRICS_PORT), gateway: url(this.serviceEnv.GPULAB_GATEWAY_METRICS_PORT) };
  }

  /** Scheduler instances started: the leader and its standbys. */
  get schedulers(): number {
    return [...this.services.keys()].filter((k) => k.startsWith('scheduler')).length;
  }

  get logDir(): string {
    return join(this.dataDir, 'logs');
  }

  /**
   * Starts (or restarts) one service, supervised; its JSON log goes to logs/<instance>.log. A
   * second scheduler instance (e.g. `scheduler-standby`) waits as standby behind the leader's lease.
   */
  startService(name: ServiceName, instance: string = name): ChildProcess {
    const previous = this.services.get(instance);
    clearTimeout(previous?.restartTimer);
    const service: Service = { name, child: this.spawnService(name, instance), startedAt: Date.now(), supervised: true, crashesInARow: 0 };
    this.services.set(instance, service);
    this.supervise(instance, service);
    return service.child;
  }

  /**
   * Ends a service instance the hard way (kill -9), as a crash would, and leaves it stopped
   * (`startService` brings it back): a test decides when it returns. To see the stack restart a
   * crashed service, kill its `servicePid` instead.
   */
  async killService(instance: string): Promise<void> {
    const service = this.services.get(instance);
    if (!service) return;
    service.supervised = false;
    clearTimeout(service.restartTimer);
    const { child } = service;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  /** The stack's own nats-server; throws for a stack given `natsServers`, which runs none. */
  get nats(): NatsServerProcess {
    return this.ownNats();
  }

  private ownNats(): NatsServerProcess {
    if (!this.natsServer) throw new Error(`this stack runs no nats-server of its own: it uses ${this.natsUrl}`);
    return this.natsServer;
  }

  /**
   * Stops nats-server (gracefully, or with kill -9 as a crash would) and starts it again on the
   * same port and store: the services reconnect on their own.
   */
  async restartNats(how: 'graceful' | 'kill'): Promise<void> {
    const server = this.ownNats();
    if (how === 'kill') await server.kill();
    else await server.close();
    this.natsServer = await server.restart();
  }

  /** The process id of a running service instance. */
  servicePid(instance: string): number | undefined {
    const child = this.services.get(instance)?.child;
    return child && child.exitCode === null && child.signalCode === null ? child.pid : undefined;
  }

  private spawnService(name: ServiceName, instance: string): ChildProcess {
    const log = this.logs.stream(instance);
    // Each service its own NATS identity; only the scheduler can mint workers' users.
    const identity: NodeJS.ProcessEnv =
      name === 'scheduler'
        ? { GPULAB_NATS_CREDS: this.natsAuth.schedulerCreds, GPULAB_NATS_WORKER_SIGNER: this.natsAuth.workerSigner }
        : { GPULAB_NATS_CREDS: this.natsAuth.gatewayCreds };
    // Standbys run on the same machine: the scheduler's metrics port is the first instance's.
    if (name === 'scheduler' && instance !== 'scheduler' && this.serviceEnv.GPULAB_SCHEDULER_METRICS_PORT?.trim()) identity.GPULAB_SCHEDULER_METRICS_PORT = '0';
    const child = spawn(process.execPath, [entry(name)], { env: { ...this.serviceEnv, ...identity }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    return child;
  }

  /** An exit nobody asked for is a crash: the service is started again after a backoff. */
  private supervise(instance: string, service: Service): void {
    service.child.once('exit', (code, signal) => {
      if (this.closing || !this.ready || !service.supervised || this.services.get(instance) !== service) return;
      const next = nextRestart(service.crashesInARow, Date.now() - service.startedAt);
      service.crashesInARow = next.crashesInARow;
      this.tell({ type: 'died', instance, code, signal, restartInMs: next.delayMs, crashesInARow: next.crashesInARow });
      service.restartTimer = setTimeout(() => {
        if (this.closing || !service.supervised || this.services.get(instance) !== service) return;
        service.child = this.spawnService(service.name, instance);
        service.startedAt = Date.now();
        this.supervise(instance, service);
        this.tell({ type: 'restarted', instance, pid: service.child.pid });
      }, next.delayMs);
    });
  }

  private tell(event: ServiceEvent): void {
    this.logs.stream('stack').write(`${JSON.stringify({ time: new Date().toISOString(), ...event, msg: describeServiceEvent(event) })}\n`);
    this.onServiceEvent(event);
  }

  /** The `.creds` text of a service's NATS identity, for tools and tests that look inside the store. */
  natsCreds(identity: 'scheduler' | 'gateway'): string {
    return readFileSync(identity === 'scheduler' ? this.natsAuth.schedulerCreds : this.natsAuth.gatewayCreds, 'utf8');
  }

  client(token: string = this.tokens.teams.demo): GpulabClient {
    return new GpulabClient({ address: this.address, token, tls: this.clientTls });
  }

  /** Ready means a request travels gateway → scheduler → back. */
  private async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const client = new GpulabClient({ address: this.address, token: this.tokens.tutor, callTimeoutMs: 2000, tls: this.clientTls });
    try {
      for (;;) {
        // A service that exits before the stack is ready is misconfigured: restarting it would not help.
        for (const [name, { child }] of this.services) {
          if (child.exitCode !== null) throw new Error(`the ${name} exited with code ${child.exitCode}; see ${join(this.logDir, `${name}.log`)}`);
        }
        try {
          await client.listJobs({ pageSize: 1 });
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`the stack did not answer within ${timeoutMs} ms: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } finally {
      client.close();
    }
  }

  /** Stops gateway, scheduler and nats-server, in that order. Safe to call twice. */
  async close(): Promise<void> {
    this.closing = true;
    for (const service of this.services.values()) clearTimeout(service.restartTimer);
    const order = [...this.services.keys()].sort((a, b) => Number(a.startsWith('scheduler')) - Number(b.startsWith('scheduler')));
    for (const name of order) {
      const child = this.services.get(name)?.child;
      if (!child || child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 8000);
      await exited;
      clearTimeout(timer);
    }
    this.services.clear();
    await this.natsServer?.close();
    this.logs.close();
  }
}


/**
 * A store written before NATS had identities keeps its streams under the anonymous account
 * (`$G`); with operator mode they belong to the account `GPULAB`. Moving the folder once keeps
 * every job, slot and upload of a course that upgrades mid-term.
 */
function adoptAnonymousStore(storeDir: string, accountPublicKey: string): void {
  const anonymous = join(storeDir, 'jetstream', '$G');
  const account = join(storeDir, 'jetstream', accountPublicKey);
  if (existsSync(anonymous) && !existsSync(account)) renameSync(anonymous, account);
}
