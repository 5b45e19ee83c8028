import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { connectNats, type NatsConnection } from '../nats-connection';
import { NatsServerProcess } from '../nats-server-process';

/** The server a {@link useNatsServer} block runs against, once its `before` hook has run. */
export interface NatsFixture {
  readonly nc: NatsConnection;
  readonly server: NatsServerProcess;
}

/**
 * A real nats-server for the tests of the enclosing `describe`: started before them on a free
 * port with its store in a temporary folder, with a connection named `name`; closed and the
 * folder removed after them.
 */
export function useNatsServer(name: string): NatsFixture {
  let dir: string | undefined;
  let server: NatsServerProcess | undefined;
  let nc: NatsConnection | undefined;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `gpulab-${name}-`));
    server = await NatsServerProcess.start({ storeDir: dir });
    nc = await connectNats({ url: server.url, name });
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
  };
}
