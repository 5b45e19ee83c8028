import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { CalendarKeys, RESERVED_TEAM_NAMES, tokenHash, type TokenRecord, TUTORS_TEAM } from '@gpulab/contracts';
import { connectNats, openJetStreamResources } from '@gpulab/platform';
import { LocalStack } from '@gpulab/local-stack';
import { numericCsv, sha256 } from './data-files';
import { loadRpcs, RawRpcClient, type RpcDefinition, type RpcOutcome } from './raw-rpc-client';
import { tempDir } from './temp-dir';
import { eventually } from './worker-processes';

// ---------------------------------------------------------------------------------------------
// Who calls. The owning team `alpha` is made by a tutor (AddMember tokens); the other team `beta`
// comes from the tokens file, so both kinds of member token are covered.
// ---------------------------------------------------------------------------------------------

const CALLERS = ['owner', 'other', 'tutor', 'none', 'garbage', 'removed', 'expired'] as const;
type CallerName = (typeof CALLERS)[number];

/**
 * The order in which a row's callers are tried: those that must be refused come before the owner
 * and the tutor, so that they meet the resource before a successful call uses it up.
 */
const RUN_ORDER: readonly CallerName[] = ['none', 'garbage', 'removed', 'expired', 'other', 'owner', 'tutor'];

const OWNER_TEAM = 'alpha';
const OTHER_TEAM = 'beta';
const TOKENS = { tutor: 'tutor-token', teams: { [OTHER_TEAM]: 'beta-token' } };

interface Column {
  /** The bearer token this caller sends; undefined: no authorization header at all. */
  token(course: Course): Promise<string | undefined>;
  /** Why this column does not run yet. */
  skip?: string;
}

/**
 * THE `expired` COLUMN, the one place to change once tokens can expire. To enable it: drop
 * `skip`, and make `token` add a member of the owning team (AddMember with an expiry) whose token
 * has expired by the time it returns.
 */
const EXPIRED_COLUMN: Column = { token: async (c) => c.expiredToken };

const COLUMNS: Record<CallerName, Column> = {
  owner: { token: async (c) => c.ownerToken },
  other: { token: async () => TOKENS.teams[OTHER_TEAM] },
  tutor: { token: async () => TOKENS.tutor },
  none: { token: async () => undefined },
  // Shaped like a member token of the owning team, but never issued.
  garbage: { token: async () => `${OWNER_TEAM}_${randomBytes(24).toString('base64url')}` },
  removed: { token: async (c) => c.removedToken },
  expired: EXPIRED_COLUMN,
};

// ---------------------------------------------------------------------------------------------
// The matrix: one row per RPC, one column per caller. OK, or the gRPC status code of the refusal.
// Resource-scoped RPCs act on a resource of the owning team; RPCs that take a team name it.
// Another team's resource is refused with PERMISSION_DENIED ("belongs to another team"), not
// hidden behind NOT_FOUND. That says an id exists, which is harmless here: slots are on the
// calendar every team sees, and job, upload and artifact ids are too random to be guessed.
// ---------------------------------------------------------------------------------------------

type Outcome = keyof typeof status;
const OK = 'OK';
const UNAUTHENTICATED = 'UNAUTHENTICATED';
const PERMISSION_DENIED = 'PERMISSION_DENIED';

type Row = Record<CallerName, Outcome>;

const MATRIX: Record<string, Record<string, Row>> = {
  JobService: {
    SubmitJob:       { owner: OK, other: OK /* its own job */, tutor: OK /* a tutors' job */, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    GetJob:          { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    WatchJob:        { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    CancelJob:       { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    ListJobs:        { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    DownloadResult:  { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    DeleteJobOutputs: { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    ListBenchmarkRows: { owner: OK, other: OK /* the course's table */, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    StreamJobLogs:   { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
  },
  SlotService: {
    GetCalendar:     { owner: OK, other: OK /* public in the course */, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    BookSlot:        { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    CancelSlot:      { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    MoveSlot:        { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    GetQuota:        { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    GetUsage:        { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    ListNotices:     { owner: OK, other: OK /* its own notices */, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
  },
  AdminService: {
    GetFeasibility:  { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    SetQuota:        { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    UpdateInventory: { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    ListTeams:       { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    CreateTeam:      { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    AddMember:       { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    RemoveMember:    { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    RotateMember:    { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    AddBenchSchedule: { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    ListBenchSchedules: { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    RemoveBenchSchedule: { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    PauseBenchSchedule: { owner: PERMISSION_DENIED, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
  },
  ArtifactService: {
    CreateUpload:    { owner: OK, other: OK /* its own upload */, tutor: OK /* a tutors' upload */, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    WriteUpload:     { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    GetUpload:       { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    FinishUpload:    { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    CancelUpload:    { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    ListArtifacts:   { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    GetArtifact:     { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    DeleteArtifact:  { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
    GetUploadProgress: { owner: OK, other: PERMISSION_DENIED, tutor: OK, none: UNAUTHENTICATED, garbage: UNAUTHENTICATED, removed: UNAUTHENTICATED, expired: UNAUTHENTICATED },
  },
};

// ---------------------------------------------------------------------------------------------
// How each RPC is called: a minimal valid request on the owning team's resources.
// ---------------------------------------------------------------------------------------------

/** The owning team's resources a request may name. */
interface Resources {
  /** A job that has SUCCEEDED (it has events and a result). */
  job: string;
  /** An upload in progress with nothing written yet. */
  upload: string;
  artifact: string;
  /** A slot that has not started: only rows that make their own (`fresh`) act on one. */
  slot: string;
  /** A member of the owning team; rows that remove one make their own. */
  member: string;
  /** A benchmark schedule: only rows that make their own (`fresh`) act on one. */
  schedule: string;
}

interface RpcCall {
  /** The request, or a client stream's messages, in the proto's (camelCase) field names. */
  request(r: Resources, course: Course): object | object[];
  /**
   * For an RPC that uses up the resource it acts on when it succeeds: makes a new one, before the
   * row's first caller and again after each OK.
   */
  fresh?(course: Course): Promise<Partial<Resources>>;
  /** Puts back what a successful call changed, so that the next caller meets the same state. */
  undo?(course: Course, response: unknown): Promise<void>;
}

const CSV = numericCsv(600, 4);
const CSV_SPEC = { filename: 'points.csv', format: 'DATA_FORMAT_CSV', sizeBytes: Buffer.byteLength(CSV), sha256: sha256(CSV) };
const SETUP_QUOTA = 3;
const BENCH_SCHEDULE = { cron: '0 3 1 1 *', model: 'course-cnn', backends: ['cpu'], batchSizes: [4], images: 8, inputSize: 32 };

let uniqueCount = 0;
const unique = (prefix: string) => `${prefix}-${++uniqueCount}`;

const CALLS: Record<string, Record<string, RpcCall>> = {
  JobService: {
    SubmitJob: { request: () => ({ kind: 'pca', input: { dataset: 'seed-example' } }) },
    GetJob: { request: (r) => ({ id: r.job }) },
    WatchJob: { request: (r) => ({ id: r.job }) },
    CancelJob: { request: (r) => ({ id: r.job }), fresh: async (c) => ({ job: await c.queuedJob() }) },
    ListJobs: { request: () => ({ team: OWNER_TEAM }) },
    DownloadResult: { request: (r) => ({ id: r.job }) },
    // Its own succeeded job: the shared one keeps its result for DownloadResult.
    DeleteJobOutputs: { request: (r) => ({ id: r.job }), fresh: async (c) => ({ job: await c.succeededJob() }) },
    ListBenchmarkRows: { request: () => ({}) },
    StreamJobLogs: { request: (r) => ({ id: r.job }) },
  },
  SlotService: {
    GetCalendar: { request: () => ({}) },
    BookSlot: {
      request: (_r, c) => ({ kind: 'SLOT_KIND_SETUP', startDate: c.day(16), team: OWNER_TEAM }),
      undo: (c, response) => c.cancelSlot((response as { slot: { id: string } }).slot.id),
    },
    CancelSlot: { request: (r) => ({ id: r.slot }), fresh: async (c) => ({ slot: await c.futureSlot(2) }) },
    MoveSlot: { request: (r, c) => ({ id: r.slot, startDate: c.day(10) }), fresh: async (c) => ({ slot: await c.futureSlot(6) }) },
    GetQuota: { request: () => ({ team: OWNER_TEAM }) },
    GetUsage: { request: () => ({ team: OWNER_TEAM }) },
    ListNotices: { request: () => ({}) },
  },
  AdminService: {
    GetFeasibility: { request: () => ({}) },
    SetQuota: { request: () => ({ team: OWNER_TEAM, kind: 'SLOT_KIND_SETUP', quota: SETUP_QUOTA }) },
    // Ends a drain that was never begun: a change that changes nothing.
    UpdateInventory: { request: () => ({ drainServer: { name: 's3', drained: false } }) },
    ListTeams: { request: () => ({}) },
    CreateTeam: { request: () => ({ name: unique('team') }) },
    AddMember: { request: () => ({ team: OWNER_TEAM, member: unique('member') }) },
    RemoveMember: { request: (r) => ({ team: OWNER_TEAM, member: r.member }), fresh: async (c) => ({ member: (await c.addMember()).member }) },
    // A fresh member each time: rotating the owner's token would change the owner column's caller.
    RotateMember: { request: (r) => ({ team: OWNER_TEAM, member: r.member }), fresh: async (c) => ({ member: (await c.addMember()).member }) },
    // On 1 January at 03:00: nothing fires while the matrix runs.
    AddBenchSchedule: {
      request: () => BENCH_SCHEDULE,
      undo: async (c, response) => {
        await c.tutor('AdminService.RemoveBenchSchedule', { id: (response as { schedule: { id: string } }).schedule.id });
      },
    },
    ListBenchSchedules: { request: () => ({}) },
    RemoveBenchSchedule: { request: (r) => ({ id: r.schedule }), fresh: async (c) => ({ schedule: await c.benchSchedule() }) },
    PauseBenchSchedule: { request: (r) => ({ id: r.schedule, paused: true }), fresh: async (c) => ({ schedule: await c.benchSchedule() }) },
  },
  ArtifactService: {
    CreateUpload: { request: () => ({ data: CSV_SPEC }) },
    WriteUpload: {
      request: (r) => [{ uploadId: r.upload, file: 'UPLOAD_FILE_DATA', offset: 0, data: Buffer.from(CSV) }],
      fresh: async (c) => ({ upload: await c.createUpload() }),
    },
    GetUpload: { request: (r) => ({ uploadId: r.upload }) },
    FinishUpload: { request: (r) => ({ uploadId: r.upload }), fresh: async (c) => ({ upload: await c.writtenUpload() }) },
    CancelUpload: { request: (r) => ({ uploadId: r.upload }), fresh: async (c) => ({ upload: await c.createUpload() }) },
    ListArtifacts: { request: () => ({ team: OWNER_TEAM }) },
    GetArtifact: { request: (r) => ({ id: r.artifact }) },
    DeleteArtifact: { request: (r) => ({ id: r.artifact }), fresh: async (c) => ({ artifact: await c.artifact() }) },
    // The gateway keeps a finish's progress for a few seconds after it ended: finished just before.
    GetUploadProgress: { request: (r) => ({ uploadId: r.upload }), fresh: async (c) => ({ upload: await c.finishedUpload() }) },
  },
};

// ---------------------------------------------------------------------------------------------
// The course the matrix runs against: one local stack, its teams and the owning team's resources.
// ---------------------------------------------------------------------------------------------

const RPCS = loadRpcs();
const rpcName = (rpc: RpcDefinition) => `${rpc.service}.${rpc.method}`;

class Course {
  ownerToken = '';
  removedToken = '';
  expiredToken = '';
  shared!: Resources;
  private today = '';

  private constructor(
    readonly stack: LocalStack,
    readonly client: RawRpcClient,
  ) {}

  static async start(dataDir: string): Promise<Course> {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify(TOKENS), { mode: 0o600 });
    // The matrix sends many calls without a valid token from one address; the limit on those
    // (bounds.test.ts) would answer some RESOURCE_EXHAUSTED instead of what the row pins.
    const stack = await LocalStack.start({ dataDir, port: 0, env: { GPULAB_RL_UNAUTHENTICATED_RATE: '0' } });
    const c = new Course(stack, new RawRpcClient(stack.address));
    await c.tutor('AdminService.CreateTeam', { name: OWNER_TEAM });
    c.ownerToken = (await c.addMember('ada')).token;
    // Removed before its token is ever used, so no gateway has it cached as valid.
    const removed = await c.addMember('bob');
    await c.tutor('AdminService.RemoveMember', { team: OWNER_TEAM, member: removed.member });
    c.removedToken = removed.token;
    c.expiredToken = await c.expiredMember();
    c.today = ((await c.tutor('SlotService.GetCalendar', {})) as { term: { today: string } }).term.today;
    await c.tutor('AdminService.SetQuota', { team: OWNER_TEAM, kind: 'SLOT_KIND_SETUP', quota: SETUP_QUOTA });
    const [job, upload, artifact] = await Promise.all([c.succeededJob(), c.createUpload(), c.artifact()]);
    c.shared = { job, upload, artifact, slot: '', member: 'ada', schedule: '' };
    return c;
  }

  /** The date `days` after today, YYYY-MM-DD. */
  day(days: number): string {
    return new Date(Date.parse(`${this.today}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
  }

  /** Calls an RPC by its name, "Service.Method". */
  call(token: string | undefined, name: string, request: object | object[]): Promise<RpcOutcome> {
    const rpc = RPCS.find((r) => rpcName(r) === name);
    if (!rpc) throw new Error(`no RPC ${name} in the proto`);
    return this.client.call(rpc, token, request);
  }

  /** Calls an RPC that must succeed, and returns its response. */
  async ok(token: string, name: string, request: object | object[]): Promise<unknown> {
    const outcome = await this.call(token, name, request);
    assert.equal(status[outcome.code], 'OK', `${name}: ${outcome.details}`);
    return outcome.response;
  }

  tutor(name: string, request: object | object[]): Promise<unknown> {
    return this.ok(TOKENS.tutor, name, request);
  }

  owner(name: string, request: object | object[]): Promise<unknown> {
    return this.ok(this.ownerToken, name, request);
  }

  /** A member whose token's hour has gone by: its stored expiry moved into the past, before any use. */
  private async expiredMember(): Promise<string> {
    const { token } = (await this.tutor('AdminService.AddMember', { team: OWNER_TEAM, member: 'cleo', expiresIn: '1h' })) as { token: string };
    const nc = await connectNats({ url: this.stack.nats.url, name: 'e2e-authorization', creds: this.stack.natsCreds('scheduler') });
    try {
      const { calendar } = await openJetStreamResources(nc);
      const key = CalendarKeys.token(tokenHash(token));
      const record = (await calendar.get(key))?.json<TokenRecord>();
      assert.ok(record, 'the expiring member has no token record');
      await calendar.put(key, JSON.stringify({ ...record, expiresAt: '2026-01-02T03:04:00.000Z' }));
    } finally {
      await nc.close();
    }
    return token;
  }

  /** A tutor's benchmark schedule that does not fire while the matrix runs. */
  async benchSchedule(): Promise<string> {
    return ((await this.tutor('AdminService.AddBenchSchedule', BENCH_SCHEDULE)) as { schedule: { id: string } }).schedule.id;
  }

  async addMember(member = unique('gone')): Promise<{ member: string; token: string }> {
    return (await this.tutor('AdminService.AddMember', { team: OWNER_TEAM, member })) as { member: string; token: string };
  }

  /** The owning team has no slot, so its job that may not use idle GPUs waits. */
  async queuedJob(): Promise<string> {
    return ((await this.owner('JobService.SubmitJob', { kind: 'pca', input: { dataset: 'seed-example' } })) as { job: { id: string } }).job.id;
  }

  async succeededJob(): Promise<string> {
    const submitted = (await this.owner('JobService.SubmitJob', { kind: 'pca', input: { dataset: 'seed-example' }, preemptible: true })) as { job: { id: string } };
    const id = submitted.job.id;
    await eventually(
      `job ${id} to succeed`,
      async () => {
        const { job } = (await this.owner('JobService.GetJob', { id })) as { job: { state: string; reason: string } };
        assert.ok(!['JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(job.state), `job ${id}: ${job.state} ${job.reason}`);
        return job.state === 'JOB_STATE_SUCCEEDED';
      },
      30_000,
    );
    return id;
  }

  async futureSlot(days: number): Promise<string> {
    const booked = (await this.tutor('SlotService.BookSlot', { kind: 'SLOT_KIND_EXPERIMENT', startDate: this.day(days), team: OWNER_TEAM })) as { slot: { id: string } };
    return booked.slot.id;
  }

  async cancelSlot(id: string): Promise<void> {
    await this.tutor('SlotService.CancelSlot', { id });
  }

  async createUpload(token = this.ownerToken): Promise<string> {
    return ((await this.ok(token, 'ArtifactService.CreateUpload', { data: CSV_SPEC })) as { upload: { id: string } }).upload.id;
  }

  async writtenUpload(token = this.ownerToken): Promise<string> {
    const uploadId = await this.createUpload(token);
    await this.ok(token, 'ArtifactService.WriteUpload', [{ uploadId, file: 'UPLOAD_FILE_DATA', offset: 0, data: Buffer.from(CSV) }]);
    return uploadId;
  }

  /** An upload FinishUpload has just made an artifact of. */
  async finishedUpload(token = this.ownerToken): Promise<string> {
    const uploadId = await this.writtenUpload(token);
    await this.ok(token, 'ArtifactService.FinishUpload', { uploadId });
    return uploadId;
  }

  async artifact(token = this.ownerToken): Promise<string> {
    const uploadId = await this.writtenUpload(token);
    return ((await this.ok(token, 'ArtifactService.FinishUpload', { uploadId })) as { artifact: { id: string } }).artifact.id;
  }

  async close(): Promise<void> {
    this.client.close();
    await this.stack.close();
  }
}

let course: Course;

/** A google.protobuf.Struct of strings, as the proto's JSON-less object form spells it. */
function stringStruct(values: Record<string, string>): object {
  return { fields: Object.fromEntries(Object.entries(values).map(([k, v]) => [k, { stringValue: v }])) };
}

describe('authorization: every RPC of the gateway for every kind of caller', () => {
  const dir = tempDir('authorization');
  const tokens = new Map<CallerName, string | undefined>();

  before(async () => {
    course = await Course.start(join(dir.path, 'data'));
    for (const caller of CALLERS) if (!COLUMNS[caller].skip) tokens.set(caller, await COLUMNS[caller].token(course));
  });

  after(async () => {
    await course?.close();
    dir.remove();
  });

  it('has a row and a call for every RPC in the proto, and none for an RPC that is not there', () => {
    const declared = RPCS.map(rpcName);
    const rows = (table: Record<string, Record<string, unknown>>) => Object.entries(table).flatMap(([service, methods]) => Object.keys(methods).map((m) => `${service}.${m}`));
    const missing = [...declared.filter((n) => !rows(MATRIX).includes(n)).map((n) => `${n} has no row in MATRIX`), ...declared.filter((n) => !rows(CALLS).includes(n)).map((n) => `${n} has no request in CALLS`)];
    const stale = [...rows(MATRIX), ...rows(CALLS)].filter((n) => !declared.includes(n)).map((n) => `${n} is in the table but not in the proto`);
    assert.deepEqual([...missing, ...new Set(stale)], [], 'every RPC needs its row in the authorization matrix (test/e2e/src/authorization.test.ts)');
  });

  for (const rpc of RPCS) {
    const row = MATRIX[rpc.service]?.[rpc.method];
    const call = CALLS[rpc.service]?.[rpc.method];
    if (!row || !call) continue; // the test above names it
    it(rpcName(rpc), async (t) => {
      let resources: Resources | undefined;
      for (const caller of RUN_ORDER) {
        await t.test(`${caller}: ${row[caller]}`, { skip: COLUMNS[caller].skip }, async () => {
          resources ??= { ...course.shared, ...(await call.fresh?.(course)) };
          const outcome = await course.client.call(rpc, tokens.get(caller), call.request(resources, course));
          if (outcome.code === status.OK) {
            await call.undo?.(course, outcome.response);
            if (call.fresh) resources = undefined;
          }
          assert.equal(status[outcome.code], row[caller], `${rpcName(rpc)} as ${caller}: ${outcome.details}`);
        });
      }
    });
  }

  it('lists to a member only its own team’s jobs, artifacts, uploads, usage and quota', async () => {
    for (const [caller, team] of [
      ['owner', OWNER_TEAM],
      ['other', OTHER_TEAM],
    ] as const) {
      const token = tokens.get(caller) as string;
      const foreign = (items: { team: string }[]) => items.filter((item) => item.team !== team);
      const { jobs } = (await course.ok(token, 'JobService.ListJobs', {})) as { jobs: { id: string; team: string }[] };
      assert.deepEqual(foreign(jobs), [], `${caller} lists another team's jobs`);
      const listed = (await course.ok(token, 'ArtifactService.ListArtifacts', {})) as { artifacts: { team: string }[]; uploads: { team: string }[]; usage: { team: string }[] };
      assert.deepEqual(foreign([...listed.artifacts, ...listed.uploads, ...listed.usage]), [], `${caller} lists another team's artifacts or uploads`);
      const { rows } = (await course.ok(token, 'SlotService.GetUsage', {})) as { rows: { team: string }[] };
      assert.deepEqual(foreign(rows), [], `${caller} sees another team's usage`);
      const quota = (await course.ok(token, 'SlotService.GetQuota', {})) as { teams: { team: string }[] };
      assert.deepEqual(quota.teams.map((q) => q.team), [team], `${caller}'s quota`);
      if (caller === 'owner') assert.ok(jobs.some((j) => j.id === course.shared.job), 'the owning team lists its own job');
    }
  });

  it('refuses a job that reads another team’s artifact or trained model', async () => {
    const { job, artifact } = course.shared;
    for (const [what, request] of [
      ['an artifact as input', { kind: 'pca', input: { artifactId: artifact } }],
      ['a training job as model', { kind: 'filters', params: stringStruct({ model: job }) }],
      ['an artifact as model', { kind: 'filters', params: stringStruct({ model: artifact }) }],
    ] as const) {
      const outcome = await course.call(tokens.get('other'), 'JobService.SubmitJob', request);
      assert.equal(status[outcome.code], PERMISSION_DENIED, `another team's job with ${what}: ${outcome.details}`);
    }
  });

  it('shows the tutors’ jobs, uploads and artifacts to no team', async () => {
    const job = ((await course.tutor('JobService.SubmitJob', { kind: 'pca', input: { dataset: 'seed-example' } })) as { job: { id: string; team: string } }).job;
    assert.equal(job.team, TUTORS_TEAM);
    const upload = await course.createUpload(TOKENS.tutor);
    const artifact = await course.artifact(TOKENS.tutor);
    const tutorsJobs = (await course.tutor('JobService.ListJobs', { team: TUTORS_TEAM })) as { jobs: { id: string }[] };
    assert.ok(tutorsJobs.jobs.some((j) => j.id === job.id), 'tutors list their own job');

    for (const caller of ['owner', 'other'] as const) {
      const token = tokens.get(caller) as string;
      const { jobs } = (await course.ok(token, 'JobService.ListJobs', {})) as { jobs: { id: string; team: string }[] };
      assert.deepEqual(jobs.filter((j) => j.id === job.id || j.team === TUTORS_TEAM), [], `${caller} lists a tutors' job`);
      const listed = (await course.ok(token, 'ArtifactService.ListArtifacts', {})) as { artifacts: { id: string; team: string }[]; uploads: { id: string; team: string }[] };
      assert.deepEqual(
        [...listed.artifacts, ...listed.uploads].filter((a) => a.id === upload || a.id === artifact || a.team === TUTORS_TEAM),
        [],
        `${caller} lists a tutors' upload or artifact`,
      );
      const refused = await course.call(token, 'JobService.ListJobs', { team: TUTORS_TEAM });
      assert.equal(status[refused.code], PERMISSION_DENIED, `${caller} lists the tutors' jobs by name: ${refused.details}`);
      for (const [name, request] of [
        ['JobService.GetJob', { id: job.id }],
        ['ArtifactService.GetUpload', { uploadId: upload }],
        ['ArtifactService.GetArtifact', { id: artifact }],
      ] as const) {
        const outcome = await course.call(token, name, request);
        assert.equal(status[outcome.code], PERMISSION_DENIED, `${name} of the tutors' as ${caller}: ${outcome.details}`);
      }
      const reading = await course.call(token, 'JobService.SubmitJob', { kind: 'pca', input: { artifactId: artifact } });
      assert.equal(status[reading.code], PERMISSION_DENIED, `a job of ${caller} reading the tutors' artifact: ${reading.details}`);
    }
  });

  it('refuses a team named after the tutors or another reserved name with INVALID_ARGUMENT', async () => {
    assert.ok(RESERVED_TEAM_NAMES.includes(TUTORS_TEAM));
    for (const name of RESERVED_TEAM_NAMES) {
      const outcome = await course.call(TOKENS.tutor, 'AdminService.CreateTeam', { name });
      assert.equal(status[outcome.code], 'INVALID_ARGUMENT', `team "${name}": ${outcome.details}`);
      assert.match(outcome.details, new RegExp(`"${name}" is reserved`));
    }
    const { teams } = (await course.tutor('AdminService.ListTeams', {})) as { teams: { name: string }[] };
    assert.deepEqual(teams.filter((t) => RESERVED_TEAM_NAMES.includes(t.name)), []);
  });
});
