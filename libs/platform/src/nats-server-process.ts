import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createConnection } from 'node:net';
import { freePort } from './free-port';

const SEARCH_PATHS = ['/usr/bin/nats-server', '/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/opt/homebrew/bin/nats-server'];

/** Where the nats-server binary is: `NATS_SERVER_BIN`, the PATH, or the usual install places. */
export function findNatsServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.NATS_SERVER_BIN && existsSync(env.NATS_SERVER_BIN)) return env.NATS_SERVER_BIN;
  const which = spawnSync('sh', ['-c', 'command -v nats-server'], { encoding: 'utf8' });
  const onPath = which.stdout.trim();
  if (which.status === 0 && onPath) return onPath;
  return SEARCH_PATHS.find((p) => existsSync(p));
}

export const NATS_INSTALL_HINT =
  'nats-server is not installed. On Debian/Ubuntu: sudo apt-get update && sudo apt-get install -y nats-server; ' +
  'on macOS: brew install nats-server; or put the binary on PATH or in NATS_SERVER_BIN.';

/**
 * Finds nats-server, installing Debian's package when running as root on a Debian-like system
 * (the local stack and CI), and otherwise says exactly how to install it.
 */
export function ensureNatsServer(log: (line: string) => void = () => {}): string {
  const found = findNatsServer();
  if (found) return found;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log('nats-server is missing: installing it with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const install = spawnSync('apt-get', ['install', '-y', '-qq', 'nats-server'], { stdio: 'inherit', env });
    const installed = install.status === 0 ? findNatsServer() : undefined;
    if (installed) return installed;
  }
  throw new Error(NATS_INSTALL_HINT);
}

export interface NatsServerOptions {
  /** @default a free port */
  port?: number;
  /** JetStream's store. Required: every gpulab state lives there. */
  storeDir: string;
  /** @default found with `ensureNatsServer` */
  binary?: string;
  /** Lines the server prints, for a log. */
  onOutput?: (line: string) => void;
  /**
   * Configuration that turns authentication on (`serverAuthConfig`); without it anyone may
   * connect, which only tests of single components use.
   */
  authConfig?: string;
  /**
   * More configuration, written before `authConfig`: a cluster member's `server_name` and
   * `cluster {}` block. The port, address and store given above win over any it names.
   */
  config?: string;
}

/** A real `nats-server -js` child process on 127.0.0.1, for the local stack and for tests. */
export class NatsServerProcess {
  private constructor(
    readonly url: string,
    readonly port: number,
    readonly storeDir: string,
    private readonly child: ChildProcess,
    private readonly options: NatsServerOptions,
  ) {}

  static async start(options: NatsServerOptions): Promise<NatsServerProcess> {
    const binary = options.binary ?? ensureNatsServer();
    const port = options.port ?? (await freePort());
    // The store holds every job, token hash and upload: only this user may read it.
    mkdirSync(options.storeDir, { recursive: true, mode: 0o700 });
    chmodSync(options.storeDir, 0o700);
    const args = ['-js', '-sd', options.storeDir, '-a', '127.0.0.1', '-p', String(port)];
    const configText = [options.config, options.authConfig].filter((part) => part !== undefined);
    if (configText.length > 0) {
      const config = join(options.storeDir, 'nats-server.conf');
      writeFileSync(config, configText.join('\n') + '\n', { mode: 0o600 });
      chmodSync(config, 0o600);
      args.push('-c', config);
    }
    const child = spawn(binary, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.onOutput?.(line);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    const server = new NatsServerProcess(`nats://127.0.0.1:${port}`, port, options.storeDir, child, options);
    await server.waitUntilListening(10_000);
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private async waitUntilListening(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`nats-server exited with code ${this.child.exitCode}`);
      if (await canConnect(this.port)) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    this.child.kill('SIGKILL');
    throw new Error(`nats-server did not listen on port ${this.port} within ${timeoutMs} ms`);
  }

  /** Ends the server the hard way (kill -9), as a crash would. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGKILL');
    await exited;
  }

  /** A new server on the same port, store and configuration (after `close` or `kill`). */
  restart(): Promise<NatsServerProcess> {
    return NatsServerProcess.start({ ...this.options, port: this.port });
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s). Safe to call twice. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
