import { after, describe, it, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GenericContainer, getContainerRuntimeClient, type StartedTestContainer, Wait } from 'testcontainers';
import { LocalStack } from '@gpulab/local-stack';
import { ensureNatsIdentities, serverAuthConfig } from '@gpulab/platform';
import { type GpulabClient } from '@gpulab/sdk';
import { numericCsv } from './data-files';
import { tempDir } from './temp-dir';

/** The image of the NATS release the chart's StatefulSet runs. */
const NATS_IMAGE = 'nats:2.10-alpine';
const CLIENT_PORT = 4222;

/**
 * Why the container tests cannot run here, or undefined when a container engine answers. The
 * development machines and CI have the Docker client but no engine: there the tests are skipped
 * with this reason, which is a skip and not a pass.
 */
async function noContainerEngine(): Promise<string | undefined> {
  try {
    await getContainerRuntimeClient();
    return undefined;
  } catch (error) {
    return `no container engine is reachable (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }
}

/**
 * The stack against nats-server running in a container, as the chart runs it: the NATS address
 * is no loopback port of this machine, and the server's store and configuration live inside the
 * container. Runs only where a Docker engine answers.
 */
describe('the stack with NATS in a container', () => {
  const dir = tempDir('nats-container');
  let container: StartedTestContainer | undefined;
  let stack: LocalStack | undefined;
  let team: GpulabClient | undefined;

  after(async () => {
    team?.close();
    await stack?.close();
    await container?.stop();
    dir.remove();
  });

  it('stores an upload and runs a job on the uploaded data through NATS JetStream in a container', async (t: TestContext) => {
    const reason = await noContainerEngine();
    if (reason) {
      t.skip(reason);
      return;
    }
    const dataDir = join(dir.path, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify({ tutor: 'tutor-token', teams: { demo: 'demo-token' } }), { mode: 0o600 });
    const { files, identities } = await ensureNatsIdentities(dataDir);
    const config = [`port: ${CLIENT_PORT}`, 'jetstream { store_dir: "/data/jetstream" }', serverAuthConfig(identities, '/etc/nats/operator.jwt')].join('\n');
    container = await new GenericContainer(NATS_IMAGE)
      .withCopyContentToContainer([
        { content: readFileSync(files.operatorJwt), target: '/etc/nats/operator.jwt' },
        { content: config, target: '/etc/nats/gpulab.conf' },
      ])
      .withCommand(['-c', '/etc/nats/gpulab.conf'])
      .withExposedPorts(CLIENT_PORT)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .withStartupTimeout(120_000)
      .start();

    stack = await LocalStack.start({
      dataDir,
      port: 0,
      natsServers: [`nats://${container.getHost()}:${container.getMappedPort(CLIENT_PORT)}`],
      readyTimeoutMs: 60_000,
    });
    const tutor = stack.client(stack.tokens.tutor);
    try {
      await tutor.bookSlot({ kind: 'setup', start: 'today', team: 'demo' });
    } finally {
      tutor.close();
    }
    team = stack.client(stack.tokens.teams.demo);
    const csv = join(dir.path, 'points.csv');
    writeFileSync(csv, numericCsv(500));
    const artifact = (await team.upload(csv)).id;
    const { job } = await team.submitJob({ kind: 'pca', input: { artifactId: artifact } });
    const done = await team.waitForJob(job.id);
    assert.equal(done.state, 'SUCCEEDED', done.reason);
    assert.equal((await team.getArtifact(artifact)).id, artifact, 'the upload is kept in the container store');
  });
});
