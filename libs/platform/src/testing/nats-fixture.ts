import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { connectNats, type NatsConnection } from '../nats-connection';
import { NatsServerProcess } from '../nats-server-process';
import { createNatsIdentities, type NatsIdentities, serverAuthConfig } from '../nats-identities';
import { writeFileSync } from 'node:fs';

/** The server a {@link useNatsServer} block runs against, once its `before` hook has run. */
export interface NatsFixture {
  readonly nc: NatsConnection;
  readonly server: NatsServerProcess;
  /** Set when the block asked for a server that authenticates (`secured`). */
  readonly identities: NatsIdentities | undefined;
}

export interface NatsFixtureOptions {
  /** Operator mode with the project's identities; `nc` is then the scheduler's. */
  secured?: boolean;
}

/**
 * A real nats-server for the tests of the enclosing `describe`: started before them on a free
 * port with its store in a temporary folder, with a connection named `name`; closed and the
 * folder removed after them. With `secured` the server trusts no one without credentials.
 */
export function useNatsServer(name: string, options: NatsFixtureOptions = {}): NatsFixture {
  let dir: string | undefined;
  let identities: NatsIdentities | undefined;
  let server: NatsServerProcess | undefined;
  let nc: NatsConnection | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `gpulab-${name}-`));
    let authConfig: string | undefined;
    if (options.secured) {
      identities = await createNatsIdentities();
      const operatorFile = join(dir, 'operator.jwt');
      writeFileSync(operatorFile, identities.operatorJwt, { mode: 0o600 });
      authConfig = serverAuthConfig(identities, operatorFile);
    }
    server = await NatsServerProcess.start({ storeDir: join(dir, 'store'), authConfig });
    nc = await connectNats({ url: server.url, name, creds: identities?.creds.scheduler });
  });
  after(async () => {
    await nc?.close();
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the NATS server of this test block has not started (use it inside its tests)');
    return value;
  };
  return {
    get nc() {
      return ready(nc);
    },
    get server() {
      return ready(server);
    },
    get identities() {
      return identities;
    },
  };
}
