import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { type INestApplicationContext } from '@nestjs/common';
import { type Reply, type TokensFile } from '@gpulab/contracts';
import { connectNats, type JetStreamResources, type NatsConnection, NatsServerProcess, openJetStreamResources } from '@gpulab/platform';
import { type Clock } from '../clock';
import { compileSchedulerConfig, type SchedulerOptions } from '../config';
import { type Launcher } from '../launcher';
import { SchedulerModule } from '../scheduler.module';

/** What {@link startSchedulerApp} starts. */
export interface SchedulerAppOptions {
  /** Names the temporary folder and the test's own NATS connection. */
  name: string;
  /** The tokens file the scheduler reads its teams from. */
  tokens: TokensFile;
  /** The scheduler's options; the NATS URL and the tokens file are the helper's. */
  options: Omit<SchedulerOptions, 'natsUrl' | 'tokensFile'>;
  /** @default the system clock */
  clock?: Clock;
  /**
   * Made once nats-server runs, from its JetStream resources (a `ReportingLauncher` publishes
   * reports through them). @default the local launcher, which starts worker processes
   */
  launcher?: (resources: JetStreamResources) => Launcher;
}

/** A scheduler's Nest app on its own nats-server, as {@link startSchedulerApp} started it. */
export interface SchedulerApp {
  /** The temporary folder of the store and the tokens file, removed by `close()`. */
  readonly dir: string;
  readonly server: NatsServerProcess;
  /** The test's own connection: it plays the gateway. */
  readonly nc: NatsConnection;
  readonly resources: JetStreamResources;
  readonly app: INestApplicationContext;
  /** Sends one command as the gateway would and answers the reply as it came. */
  send<T>(subject: string, body: unknown): Promise<Reply<T>>;
  /** As `send`, answering the reply's value; a refusal throws `CODE: message`. */
  request<T>(subject: string, body: unknown): Promise<T>;
  /** Closes the app, the connection and the server, and removes the folder; safe to call twice. */
  close(): Promise<void>;
}

const COMMAND_TIMEOUT_MS = 10_000;

/**
 * Starts nats-server on a free port with its store in a temporary folder, writes the tokens
 * file, and starts the scheduler's Nest app against them: the scheduler as it runs, with only the
 * launcher and the clock a test's own.
 */
export async function startSchedulerApp(options: SchedulerAppOptions): Promise<SchedulerApp> {
  const dir = mkdtempSync(join(tmpdir(), `gpulab-${options.name}-`));
  let server: NatsServerProcess | undefined;
  let nc: NatsConnection | undefined;
  let app: INestApplicationContext | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await app?.close();
      await nc?.close();
      await server?.close();
      rmSync(dir, { recursive: true, force: true });
    })());
  try {
    server = await NatsServerProcess.start({ storeDir: join(dir, 'nats') });
    nc = await connectNats({ url: server.url, name: `${options.name}-test` });
    const tokensFile = join(dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify(options.tokens));
    const resources = await openJetStreamResources(nc);
    const config = compileSchedulerConfig({ ...options.options, natsUrl: server.url, tokensFile });
    app = await NestFactory.createApplicationContext(SchedulerModule.forConfig(config, options.clock, options.launcher?.(resources)), { logger: false });
    await app.init();
    const connection = nc;
    const send = async <T>(subject: string, body: unknown): Promise<Reply<T>> => (await connection.request(subject, JSON.stringify(body), { timeout: COMMAND_TIMEOUT_MS })).json<Reply<T>>();
    return {
      dir,
      server,
      nc,
      resources,
      app,
      send,
      async request<T>(subject: string, body: unknown): Promise<T> {
        const reply = await send<T>(subject, body);
        if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
        return reply.value;
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
