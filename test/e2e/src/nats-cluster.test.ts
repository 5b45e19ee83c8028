import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { helmUnavailable, loopbackNatsConfig, natsAuthSecret, renderNatsConfig, testHelm } from '@gpulab/cluster';
import { LocalStack } from '@gpulab/local-stack';
import { connectNats, ensureNatsIdentities, freePort, type NatsConnection, NatsServerProcess } from '@gpulab/platform';
import { type GpulabClient, GpulabError, type JobEventView } from '@gpulab/sdk';
import { numericCsv } from './data-files';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const REPLICAS = 3;

/**
 * Three real nats-servers with the configuration the Helm chart renders (routes on loopback),
 * JetStream at three copies, and the stack on top: a server killed -9 mid-job, and a second one
 * after the first came back, loses no job, booking, event or upload, and no client is restarted.
 * It takes 25–75 s.
 */
describe('the stack on a NATS cluster of three, losing a server at a time', { skip: helmUnavailable() }, () => {
  const dir = tempDir('nats-cluster');
  const servers: NatsServerProcess[] = [];
  let stack: LocalStack;
  let client: GpulabClient;
  let team: GpulabClient;
  let inspector: NatsConnection;

  before(async () => {
    const dataDir = join(dir.path, 'data');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify({ tutor: 'tutor-token', teams: { demo: 'demo-token' } }), { mode: 0o600 });
    // The identities first: the servers trust them as the chart's Secret makes them.
    const { identities } = await ensureNatsIdentities(dataDir);
    const authConf = natsAuthSecret(identities).stringData['auth.conf'];
    const chartConfig = await renderNatsConfig(await testHelm(), { set: [`nats.replicas=${REPLICAS}`] });
    const clusterPorts = await Promise.all(Array.from({ length: REPLICAS }, () => freePort()));
    for (let index = 0; index < REPLICAS; index++) {
      const storeDir = join(dir.path, `nats-${index}`);
      mkdirSync(join(storeDir, 'auth'), { recursive: true });
      writeFileSync(join(storeDir, 'auth', 'auth.conf'), authConf, { mode: 0o600 });
      servers.push(await NatsServerProcess.start({ storeDir, config: loopbackNatsConfig(chartConfig, { name: `gpulab-nats-${index}`, storeDir, clusterPorts, index }) }));
    }
    // Started at once, before the cluster has elected a JetStream leader: the services wait for
    // one themselves (and log why) rather than exit.
    stack = await LocalStack.start({
      dataDir,
      port: 0,
      gpuLayout: '2',
      natsServers: servers.map((s) => s.url),
      env: { GPULAB_NATS_REPLICAS: String(REPLICAS), GPULAB_HEARTBEAT_INTERVAL: '200ms', GPULAB_STOP_GRACE: '2s' },
      readyTimeoutMs: 60_000,
    });
    client = stack.client(stack.tokens.tutor);
    team = stack.client(stack.tokens.teams.demo);
    inspector = await connectNats({ url: stack.natsUrl, name: 'e2e-cluster-inspector', creds: stack.natsCreds('scheduler') });
  });

  after(async () => {
    client?.close();
    team?.close();
    await inspector?.close();
    await stack?.close();
    for (const server of servers) await server.close();
    dir.remove();
  });

  /** Every stream (KV buckets and the object store are streams) and how many copies each keeps, and whether all are current. */
  const streams = async () => {
    const jsm = await jetstreamManager(inspector);
    const found: { name: string; replicas: number; current: boolean }[] = [];
    for await (const info of jsm.streams.list()) {
      const replicas = info.cluster?.replicas ?? [];
      found.push({ name: info.config.name, replicas: info.config.num_replicas, current: replicas.length === REPLICAS - 1 && replicas.every((r) => r.current) });
    }
    return found;
  };
  /**
   * Submits a short run job. Right after a server is lost the gateway may answer UNAVAILABLE
   * ("the scheduler is not answering; try again in a moment") while the scheduler's
   * connection moves to a live server; the submit is asked again, as a client should.
   */
  const runJob = async (seconds: number) => {
    for (let tries = 0; ; tries++) {
      try {
        const { job } = await team.submitJob({ kind: 'run', params: { command: ['sh', '-c', `sleep ${seconds}; echo slept`] } });
        return job.id;
      } catch (error) {
        if (!(error instanceof GpulabError) || error.code !== 'UNAVAILABLE' || tries > 20) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const events = new Map<string, JobEventView[]>();
  /**
   * Waits for the job to end, and keeps its events. While JetStream elects new leaders the
   * gateway answers UNAVAILABLE ("try again in a moment"): the watch is asked again, as a
   * client should, and starts again from the job's first event.
   */
  const finish = async (id: string) => {
    for (let tries = 0; ; tries++) {
      const seen: JobEventView[] = [];
      try {
        const job = await client.waitForJob(id, (e) => seen.push(e));
        events.set(id, seen);
        return job;
      } catch (error) {
        if (!(error instanceof GpulabError) || error.code !== 'UNAVAILABLE' || tries > 20) throw error;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  const allCurrent = () => eventually('every stream current on all three servers', async () => ((await streams()).every((s) => s.current) ? true : undefined), 30_000);

  it('keeps every job, the booking, every event and the upload while one server and then another is killed -9, and its clients reconnect on their own', async () => {
    const slot = await client.bookSlot({ kind: 'setup', start: 'today', team: 'demo' });
    const csv = join(dir.path, 'kept.csv');
    writeFileSync(csv, numericCsv(5_000));
    const artifact = (await team.upload(csv)).id;
    const found = await streams();
    assert.ok(found.length > 0);
    for (const s of found) assert.equal(s.replicas, REPLICAS, `${s.name} keeps ${REPLICAS} copies`);
    await allCurrent();
    const pids = { scheduler: stack.servicePid('scheduler'), gateway: stack.servicePid('gateway') };

    const first = await runJob(6);
    await eventually(`${first} RUNNING`, async () => ((await client.getJob(first)).state === 'RUNNING' ? true : undefined), 30_000);
    await servers[0].kill();
    const firstJob = await finish(first);
    assert.equal(firstJob.state, 'SUCCEEDED', firstJob.reason);

    servers[0] = await servers[0].restart();
    await allCurrent();
    await servers[1].kill();
    const second = await runJob(2);
    const secondJob = await finish(second);
    assert.equal(secondJob.state, 'SUCCEEDED', secondJob.reason);

    // What was stored before and during the losses is all there, read again from the store.
    for (const id of [first, second]) {
      assert.equal((await client.getJob(id)).state, 'SUCCEEDED');
      const replayed: JobEventView[] = [];
      for await (const e of client.watchJob(id)) {
        replayed.push(e);
        if (replayed.length === events.get(id)?.length) break;
      }
      assert.deepEqual(replayed, events.get(id), `every event of ${id} replays`);
    }
    assert.ok((await client.getCalendar()).slots.some((s) => s.id === slot.id), 'the booking is kept');
    assert.equal((await client.getArtifact(artifact)).id, artifact);
    assert.deepEqual({ scheduler: stack.servicePid('scheduler'), gateway: stack.servicePid('gateway') }, pids, 'no service was restarted');
  });
});
