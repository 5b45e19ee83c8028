import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { CalendarKeys, jobEventSubject, jobKey, Nats, ObjectNames, SchedulerSubjects, workerDataSubject, workerEventSubject, workerInboxPrefix, workerPermissions } from '@gpulab/contracts';
import { jetstream } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { Objm } from '@nats-io/obj';
import { type NatsConnection } from '@nats-io/transport-node';
import { openJetStreamResources } from './jetstream-resources';
import { connectNats } from './nats-connection';
import { mintUserCreds } from './nats-identities';
import { useNatsServer } from './testing/nats-fixture';
import { failure } from './testing/rejection';


describe('NATS with identities', () => {
  const nats = useNatsServer('nats-permissions', { secured: true });
  const connections: NatsConnection[] = [];
  after(async () => {
    for (const nc of connections) await nc.close().catch(() => undefined);
  });
  const connectWith = async (creds: string | undefined, inboxPrefix?: string) => {
    const nc = await connectNats({ url: nats.server.url, name: 'probe', creds, inboxPrefix, maxReconnectAttempts: 0 });
    connections.push(nc);
    return nc;
  };
  const worker = async (jobId: string, attempt: number) => {
    const ids = nats.identities;
    assert.ok(ids);
    const creds = await mintUserCreds({ signerSeed: ids.signerSeed, accountPublicKey: ids.account.publicKey, name: `worker-${jobId}-${attempt}`, permissions: workerPermissions(jobId, attempt) });
    return connectWith(creds, workerInboxPrefix(jobId, attempt));
  };

  it('refuses a connection without credentials', async () => {
    const error = await failure(() => connectWith(undefined));
    assert.match(String(error), /authoriz/i);
  });

  it("lets a worker publish its own attempt's events into the stream, and nothing of another job or attempt", async () => {
    const resources = await openJetStreamResources(nats.nc);
    const nc = await worker('j-own', 2);
    const js = jetstream(nc);
    const ack = await js.publish(workerEventSubject('j-own', 2, 'report.started'), '{}');
    assert.equal(ack.stream, Nats.eventsStream);
    for (const subject of [
      workerEventSubject('j-other', 1, 'report.result'),
      workerEventSubject('j-own', 1, 'report.result'),
      jobEventSubject('j-own', 'state'),
      SchedulerSubjects.addMember,
      workerDataSubject('j-other', 1, 'read'),
    ]) {
      const error = await failure(() => js.publish(subject, '{}', { timeout: 1000 }));
      assert.ok(error, `a worker of j-own/2 published on ${subject}`);
    }
    const info = await (await resources.js.jetstreamManager()).streams.info(Nats.eventsStream);
    assert.equal(info.state.messages, 1, 'only the own report reached the stream');
  });

  it("keeps a worker away from every bucket, the Object Store and other inboxes", async () => {
    const resources = await openJetStreamResources(nats.nc);
    await resources.jobs.put(jobKey('j-secret'), JSON.stringify({ id: 'j-secret', team: 'b' }));
    await resources.artifacts.putBlob({ name: ObjectNames.artifact('art-secret') }, new TextEncoder().encode('team b only'));
    const nc = await worker('j-own', 1);
    const js = jetstream(nc, { timeout: 1000 });
    assert.ok(await failure(async () => (await new Kvm(js).open(Nats.jobsBucket)).get(jobKey('j-secret'))), 'a worker read the jobs bucket');
    assert.ok(await failure(async () => (await new Objm(js).open(Nats.artifactsBucket)).getBlob(ObjectNames.artifact('art-secret'))), 'a worker read the Object Store');
    // Sniffing: a subscription the server refuses hears nothing of what others receive.
    const heard: string[] = [];
    for (const subject of ['>', '_INBOX.>', 'gpulab.>']) nc.subscribe(subject, { callback: (err, msg) => void (err ?? heard.push(msg.subject)) });
    await nc.flush().catch(() => undefined);
    const ids = nats.identities;
    assert.ok(ids);
    const gateway = await connectWith(ids.creds.gateway);
    gateway.publish('_INBOX.someone.1', 'a reply with a token in it');
    nats.nc.publish('gpulab.notices.b', 'a notice for team b');
    await gateway.flush();
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(heard, []);
  });

  it('lets only the gateway send scheduler commands, and never lets it write the jobs or calendar buckets', async () => {
    const ids = nats.identities;
    assert.ok(ids);
    const resources = await openJetStreamResources(nats.nc);
    const gateway = await connectWith(ids.creds.gateway);
    const scheduler = await connectWith(ids.creds.scheduler);
    const served = scheduler.subscribe(SchedulerSubjects.teams, { callback: (_e, msg) => void msg.respond('{"ok":true,"value":[]}') });
    await scheduler.flush();
    assert.equal((await gateway.request(SchedulerSubjects.teams, '{}', { timeout: 2000 })).string(), '{"ok":true,"value":[]}');
    assert.ok(await failure(() => scheduler.request(SchedulerSubjects.teams, '{}', { timeout: 1000 })), 'the scheduler sent itself a command');
    served.unsubscribe();

    const gatewayKv = new Kvm(jetstream(gateway, { timeout: 1000 }));
    const calendar = await gatewayKv.open(Nats.calendarBucket);
    await resources.calendar.put(CalendarKeys.team('a'), '{}');
    assert.equal((await calendar.get(CalendarKeys.team('a')))?.string(), '{}', 'the gateway reads the calendar');
    assert.ok(await failure(() => calendar.put(CalendarKeys.token('forged'), '{"team":"a","member":"eve"}')), 'the gateway wrote a token record');
    assert.ok(await failure(async () => (await gatewayKv.open(Nats.jobsBucket)).put(jobKey('j-forged'), '{}')), 'the gateway wrote a job');
    assert.equal(await resources.calendar.get(CalendarKeys.token('forged')), null);
    await (await resources.js.jetstreamManager()).consumers.add(Nats.eventsStream, { durable_name: Nats.schedulerReportsConsumer, filter_subject: Nats.allReports });
    const jsm = await jetstream(gateway, { timeout: 1000 }).jetstreamManager();
    assert.ok(await failure(() => jsm.streams.purge(`KV_${Nats.jobsBucket}`)), 'the gateway purged the jobs');
    assert.ok(await failure(() => jsm.consumers.delete(Nats.eventsStream, Nats.schedulerReportsConsumer)), "the gateway removed the scheduler's consumer");
  });

});
