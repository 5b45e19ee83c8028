import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CalendarKeys, tokenHash, type TokenRecord } from '@gpulab/contracts';
import { LocalStack } from '@gpulab/local-stack';
import { connectNats, type NatsConnection, openJetStreamResources } from '@gpulab/platform';
import { GpulabError } from '@gpulab/sdk';
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { runCli } from './cli-runner';
import { RawArtifactClient } from './raw-artifact-client';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

const TOKENS = { tutor: 'tutor-token', teams: { alpha: 'alpha-token' } };

describe('member tokens: made at the gateway, expiring, rotated and revoked', () => {
  const dir = tempDir('member-tokens');
  let stack: LocalStack;
  let nc: NatsConnection;
  const asTutor = () => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: TOKENS.tutor });
  const as = (token: string) => ({ GPULAB_ADDR: stack.address, GPULAB_TOKEN: token });
  const tutorJson = async (args: string[]) => {
    const run = await runCli([...args, '--json'], asTutor());
    assert.equal(run.code, 0, `${args.join(' ')}: ${run.stderr}`);
    return JSON.parse(run.stdout);
  };
  const refused = async (env: NodeJS.ProcessEnv, args: string[], code: string, message: RegExp) => {
    const run = await runCli(args, env);
    assert.equal(run.code, 2, `${args.join(' ')} should be refused: ${run.stdout}`);
    assert.match(run.stderr, new RegExp(`\\(${code}\\)`));
    assert.match(run.stderr, message);
    return run;
  };
  /** Whether a token opens the gateway now (a cheap call that every member may make). */
  const works = async (token: string) => (await runCli(['quota', '--json'], as(token))).code === 0;

  before(async () => {
    mkdirSync(join(dir.path, 'data'), { recursive: true });
    writeFileSync(join(dir.path, 'data', 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0 });
    nc = await connectNats({ url: stack.nats.url, name: 'e2e-member-tokens', creds: stack.natsCreds('scheduler') });
    await tutorJson(['admin', 'teams', 'create', 'delta']);
  });

  after(async () => {
    await nc?.close();
    await stack?.close();
    dir.remove();
  });

  it('sends no clear token over NATS while a member is added: the gateway makes it and sends its hash', async () => {
    const seen: { subject: string; data: string }[] = [];
    const sub = nc.subscribe('>', {
      callback: (_err, msg) => {
        seen.push({ subject: msg.subject, data: msg.string() });
      },
    });
    await nc.flush();
    const added = await tutorJson(['admin', 'members', 'add', 'delta', 'ada']);
    await nc.flush();
    sub.unsubscribe();
    assert.match(added.token, /^delta_[A-Za-z0-9_-]{32}$/);
    const request = seen.find((m) => m.subject === 'gpulab.scheduler.admin.add-member');
    assert.ok(request, `the add went over NATS: ${seen.map((m) => m.subject).join(', ')}`);
    assert.ok(request.data.includes(tokenHash(added.token)), 'the request carries the hash');
    const leaks = seen.filter((m) => m.data.includes(added.token) || m.data.includes(added.token.slice('delta_'.length)));
    assert.deepEqual(leaks.map((m) => m.subject), []);
    assert.equal(await works(added.token), true);
  });

  it('prints a new token once with a hint, and shows its expiry in the team listing', async () => {
    const run = await runCli(['admin', 'members', 'add', 'delta', 'bo', '--expires', '30d'], asTutor());
    assert.equal(run.code, 0, run.stderr);
    const [first, token, hint] = run.stdout.trimEnd().split('\n');
    assert.match(first, /^added bo to delta; their token \(shown only now, it expires \d{4}-\d\d-\d\d \d\d:\d\d UTC\):$/);
    assert.match(token, /^delta_/);
    assert.match(hint, /give it to bo privately: they set GPULAB_TOKEN to it/);
    const listing = await runCli(['admin', 'teams'], asTutor());
    assert.equal(listing.code, 0, listing.stderr);
    const expected = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    assert.match(listing.stdout, new RegExp(`delta +ada, bo \\(expires ${expected}\\) +tutor`));
    const json = await tutorJson(['admin', 'teams']);
    const bo = json.teams.find((t: { name: string }) => t.name === 'delta').roster.find((m: { name: string }) => m.name === 'bo');
    assert.equal(bo.expiresAt.slice(0, 10), expected);
  });

  it('refuses an expired token with UNAUTHENTICATED, saying when it expired, without quoting it', async () => {
    const added = await tutorJson(['admin', 'members', 'add', 'delta', 'eve', '--expires', '1h']);
    // Move the stored expiry into the past, as if the hour had gone by.
    const { calendar } = await openJetStreamResources(nc);
    const key = CalendarKeys.token(tokenHash(added.token));
    const record = (await calendar.get(key))!.json<TokenRecord>();
    await calendar.put(key, JSON.stringify({ ...record, expiresAt: '2026-01-02T03:04:00.000Z' }));
    const run = await refused(as(added.token), ['quota'], 'UNAUTHENTICATED', /the token expired on 2026-01-02 03:04 UTC/);
    assert.ok(!run.stderr.includes(added.token));
  });

  it('rotates a token: the old one is refused, the new one works, and it is printed once', async () => {
    const added = await tutorJson(['admin', 'members', 'add', 'delta', 'cy']);
    assert.equal(await works(added.token), true);
    const run = await runCli(['admin', 'members', 'rotate', 'delta', 'cy', '--expires', '12h'], asTutor());
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^gave cy of delta a new token; the old one no longer works\. The new token \(shown only now, it expires .* UTC\):$/);
    const fresh = lines[1];
    assert.notEqual(fresh, added.token);
    assert.match(lines[2], /give it to cy privately/);
    assert.equal(await works(fresh), true);
    // The gateway may trust a looked-up token for 5 s; after that the old one opens nothing.
    await eventually('the old token to be refused', async () => !(await works(added.token)), 7000);
    await refused(as(added.token), ['quota'], 'UNAUTHENTICATED', /not valid/);
    assert.equal(await works(fresh), true);
  });

  it('ends a removed member\'s open WatchJob stream within 5 s with UNAUTHENTICATED', async () => {
    const added = await tutorJson(['admin', 'members', 'add', 'delta', 'dee']);
    const client = stack.client(added.token);
    try {
      // delta has no slot booked, so the job waits and its watch stays open.
      const { job } = await client.submitJob({ kind: 'pca', input: { dataset: 'seed-example' }, params: { components: 1 } });
      const events: string[] = [];
      const ended = (async () => {
        try {
          for await (const event of client.watchJob(job.id)) events.push(event.type);
          return undefined;
        } catch (error) {
          return error;
        }
      })();
      await eventually('the watch to replay the job\'s first event', () => events.length > 0);
      const removedAt = Date.now();
      await tutorJson(['admin', 'members', 'remove', 'delta', 'dee']);
      const error = await ended;
      const tookMs = Date.now() - removedAt;
      assert.ok(error instanceof GpulabError, `the watch should fail, not end: ${String(error)}`);
      assert.equal(error.code, 'UNAUTHENTICATED');
      assert.match(error.message, /the token was revoked/);
      assert.ok(tookMs <= 5000, `the watch ended ${tookMs} ms after the removal`);
    } finally {
      client.close();
    }
  });

  it('refuses bad input with INVALID_ARGUMENT or NOT_FOUND and a clear message', async () => {
    await refused(asTutor(), ['admin', 'members', 'add', 'delta', 'fay', '--expires', '2w'], 'INVALID_ARGUMENT', /"2w" is not a token lifetime: give whole hours or days, e\.g\. 12h, 30d or 120d/);
    await refused(asTutor(), ['admin', 'members', 'add', 'delta', 'fay', '--expires', '500d'], 'INVALID_ARGUMENT', /at most 400d/);
    await refused(asTutor(), ['admin', 'members', 'rotate', 'delta', 'nobody'], 'NOT_FOUND', /nobody is not in team delta; members: ada, bo, eve, cy/);
    await refused(asTutor(), ['admin', 'members', 'rotate', 'omega', 'ada'], 'NOT_FOUND', /there is no team "omega"/);
    await refused(asTutor(), ['admin', 'members', 'add', 'omega', 'ada'], 'NOT_FOUND', /there is no team "omega"/);
    await refused(asTutor(), ['admin', 'members', 'rotate', 'delta', 'ada', '--expires', 'soon'], 'INVALID_ARGUMENT', /not a token lifetime/);
    await refused(as(TOKENS.teams.alpha), ['admin', 'members', 'rotate', 'delta', 'ada'], 'PERMISSION_DENIED', /only tutors/);
    const json = await tutorJson(['admin', 'teams']);
    assert.deepEqual(json.teams.find((t: { name: string }) => t.name === 'delta').members, ['ada', 'bo', 'eve', 'cy']);
  });

  it('ends a rotated member\'s upload stream that is still open within 5 s, keeping what it stored', async () => {
    const added = await tutorJson(['admin', 'members', 'add', 'delta', 'gus']);
    const bytes = Buffer.from(Array.from({ length: 250_000 }, (_, i) => `${i},${i * 2}\n`).join(''));
    const raw = new RawArtifactClient(stack.address, added.token);
    const asGus = stack.client(added.token);
    const stored = async (client: typeof asGus, id: string) => (await client.getUpload(id)).files.find((f) => f.file === 'data')?.receivedBytes;
    try {
      const upload = await raw.createUpload('points.csv', bytes.byteLength, createHash('sha256').update(bytes).digest('hex'));
      const stream = raw.openWrite(upload, bytes, upload.chunkSize);
      assert.ok(bytes.byteLength > upload.chunkSize, 'the upload takes more than one chunk');
      await eventually('the first chunk to be stored', async () => (await stored(asGus, upload.id)) === upload.chunkSize);
      const rotatedAt = Date.now();
      const rotated = await tutorJson(['admin', 'members', 'rotate', 'delta', 'gus']);
      const error = await stream.ended;
      assert.ok(Date.now() - rotatedAt <= 5000, `the stream ended ${Date.now() - rotatedAt} ms after the rotation`);
      assert.equal(error?.code, status.UNAUTHENTICATED, String(error));
      assert.match(error?.details ?? '', /the token was revoked/);
      stream.end();
      const kept = stack.client(rotated.token);
      try {
        assert.equal(await stored(kept, upload.id), upload.chunkSize);
      } finally {
        kept.close();
      }
    } finally {
      asGus.close();
      raw.close();
    }
  });
});
