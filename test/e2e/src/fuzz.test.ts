import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { LocalStack } from '@gpulab/local-stack';
import { encodeRequest, loadProtoRoot, messageArbitrary } from './proto-arbitrary';
import { loadRpcs, type RpcDefinition } from './raw-rpc-client';
import { tempDir } from './temp-dir';

/** Cases per RPC: 1,000 in CI with a fixed seed; more, or another seed, from the environment. */
const RUNS = Number(process.env.GPULAB_FUZZ_RUNS) || 1000;
const SEED = Number(process.env.GPULAB_FUZZ_SEED) || 20261202;
/** What the gateway may hold after every case has run. */
const GATEWAY_RSS_LIMIT_MB = 1024;

/** Never the answer to a request, however wrong: a caller's mistake is never the server's fault, and no call hangs. */
const FORBIDDEN = new Set([status.INTERNAL, status.UNKNOWN, status.DEADLINE_EXCEEDED, status.UNAVAILABLE]);

const identity = (b: Buffer) => b;

/** Sends already-encoded request bytes to an RPC; resolves with the status (the first message of a stream counts as OK). */
function callRaw(client: Client, rpc: RpcDefinition, token: string, requests: Buffer[]): Promise<{ code: status; details: string }> {
  const d = rpc.definition;
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  const options = { deadline: Date.now() + 20_000 };
  return new Promise((resolve) => {
    const done = (error: ServiceError | null) => resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '' });
    if (d.requestStream) {
      const call = client.makeClientStreamRequest(d.path, identity, identity, metadata, options, done);
      call.on('error', () => undefined);
      for (const r of requests) call.write(r);
      call.end();
      return;
    }
    if (d.responseStream) {
      const call = client.makeServerStreamRequest(d.path, identity, identity, requests[0] ?? Buffer.alloc(0), metadata, options);
      let settled = false;
      const settle = (outcome: { code: status; details: string }) => {
        if (settled) return;
        settled = true;
        resolve(outcome);
        call.cancel();
      };
      call.on('data', () => settle({ code: status.OK, details: '' }));
      call.on('error', (e: ServiceError) => settle({ code: e.code, details: e.details }));
      call.on('status', (s: { code: status; details: string }) => settle({ code: s.code, details: s.details }));
      return;
    }
    client.makeUnaryRequest(d.path, identity, identity, requests[0] ?? Buffer.alloc(0), metadata, options, done);
  });
}

function excerpt(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

function rssMb(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:')) ?? '';
  return Number(/(\d+)/.exec(line)?.[1] ?? 0) / 1024;
}

/**
 * Generated requests for every RPC (empty, huge, negative, NaN, odd unicode, deep structs,
 * unknown enums, wrong types in job parameters), as a member and as a tutor: no service
 * crashes, every refusal is a proper status, and the gateway's memory stays bounded.
 */
describe('every RPC against generated requests', () => {
  const dir = tempDir('fuzz');
  const root = loadProtoRoot();
  const rpcs = loadRpcs();
  let stack: LocalStack;
  let client: Client;
  let tokens: string[] = [];

  before(async () => {
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0 });
    client = new Client(stack.address, credentials.createInsecure(), { 'grpc.max_send_message_length': 128 * 1024 * 1024 });
    tokens = [stack.tokens.teams.demo, stack.tokens.tutor];
  });

  after(async () => {
    client?.close();
    await stack?.close();
    dir.remove();
  });

  for (const rpc of rpcs) {
    it(`${rpc.service}.${rpc.method}: ${RUNS} generated requests, no INTERNAL, UNKNOWN or hang`, async () => {
      const type = root.lookupType(`gpulab.v1.${rpc.definition.path.split('/')[2]}Request`);
      const request = messageArbitrary(type);
      const requests = rpc.definition.requestStream ? fc.array(request, { minLength: 0, maxLength: 3 }) : request.map((r) => [r]);
      const result = await fc.check(
        fc.asyncProperty(fc.nat(tokens.length - 1), requests, async (who, messages) => {
          const encoded = messages.map((m) => encodeRequest(type, m));
          // What protobuf cannot encode never reaches a server.
          if (encoded.some((e) => e === undefined)) return;
          const outcome = await callRaw(client, rpc, tokens[who] as string, encoded as Buffer[]);
          assert.ok(!FORBIDDEN.has(outcome.code), `${status[outcome.code]}: ${excerpt(outcome.details)}`);
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      // The report names the case in short: a generated request may hold megabytes.
      if (result.failed) {
        assert.fail(`${excerpt(String((result.errorInstance as Error | undefined)?.message ?? result.errorInstance))} after ${result.numRuns} cases (seed ${SEED}, path ${result.counterexamplePath}); the request: ${excerpt(fc.stringify(result.counterexample))}`);
      }
    });
  }

  it(`leaves every service up and the gateway under ${GATEWAY_RSS_LIMIT_MB} MB`, async () => {
    const gateway = stack.servicePid('gateway');
    assert.ok(gateway, 'the gateway is not running');
    assert.ok(rssMb(gateway) < GATEWAY_RSS_LIMIT_MB, `gateway RSS ${Math.round(rssMb(gateway))} MB`);
    assert.ok(stack.servicePid('scheduler'), 'the scheduler is not running');
  });
});
