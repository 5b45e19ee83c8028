import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileGatewayConfig, gatewayOptionsFromEnv } from './config';
import { DEFAULT_RATE_LIMITS, OpenStreamCounter, peerAddress, RateLimiter } from './rate-limiter';
import { RPC_LIMIT_GROUPS } from './rpc-limits';

const limits = { ...DEFAULT_RATE_LIMITS, submit: { perSecond: 20, burst: 5 } };

describe('the per-token rate limiter', () => {
  it('lets a burst through, then refuses saying which limit and when it refills', () => {
    const limiter = new RateLimiter(limits);
    for (let i = 0; i < 5; i++) assert.equal(limiter.take('alice', 'submit', 1000).ok, true, `call ${i + 1}`);
    const refused = limiter.take('alice', 'submit', 1000);
    assert.equal(refused.ok, false);
    assert.equal(!refused.ok && refused.retryAfterMs, 50);
    assert.equal(!refused.ok && refused.message, 'too many submissions and changes from this token: 20 per second (bursts of 5); try again in 0.1 s');
  });

  it('refills at its rate', () => {
    const limiter = new RateLimiter(limits);
    for (let i = 0; i < 5; i++) limiter.take('alice', 'submit', 0);
    assert.equal(limiter.take('alice', 'submit', 10).ok, false);
    assert.equal(limiter.take('alice', 'submit', 60).ok, true, 'one call back after 1/20 s');
    assert.equal(limiter.take('alice', 'submit', 60).ok, false);
  });

  it('keeps tokens and groups apart', () => {
    const limiter = new RateLimiter(limits);
    for (let i = 0; i < 5; i++) limiter.take('alice', 'submit', 0);
    assert.equal(limiter.take('alice', 'submit', 0).ok, false);
    assert.equal(limiter.take('bob', 'submit', 0).ok, true, 'another token has its own bucket');
    assert.equal(limiter.take('alice', 'read', 0).ok, true, 'reads are another group');
  });

  it('does not limit a group whose rate is 0', () => {
    const limiter = new RateLimiter({ ...limits, upload: { perSecond: 0, burst: 1 } });
    for (let i = 0; i < 1000; i++) assert.equal(limiter.take('alice', 'upload', 0).ok, true);
    assert.equal(limiter.size, 0);
  });

  it('forgets buckets that have refilled, so memory follows active tokens', () => {
    const limiter = new RateLimiter(limits);
    for (let i = 0; i < 10_000; i++) limiter.take(`token-${i}`, 'submit', 0);
    assert.equal(limiter.size, 10_000);
    limiter.take('late', 'submit', 120_000);
    assert.equal(limiter.size, 1);
  });
});

describe('the per-address limit of calls without a valid token', () => {
  const unauthenticated = { ...DEFAULT_RATE_LIMITS, unauthenticated: { perSecond: 2, burst: 3 } };

  it('is looked at without taking from it, and refuses from this address once the failures used it up', () => {
    const limiter = new RateLimiter(unauthenticated);
    for (let i = 0; i < 10; i++) assert.equal(limiter.peek('10.0.0.7', 'unauthenticated', 0).ok, true, 'looking takes nothing');
    for (let i = 0; i < 3; i++) limiter.take('10.0.0.7', 'unauthenticated', 0);
    const held = limiter.peek('10.0.0.7', 'unauthenticated', 0);
    assert.equal(!held.ok && held.message, 'too many calls without a valid token from this address: 2 per second (bursts of 3); try again in 0.5 s');
    assert.equal(limiter.peek('10.0.0.8', 'unauthenticated', 0).ok, true, 'another address has its own bucket');
    assert.equal(limiter.peek('10.0.0.7', 'unauthenticated', 500).ok, true, 'one call back after 1/2 s');
  });

  it('keys a peer by its address, not its port', () => {
    assert.equal(peerAddress('ipv4:10.0.0.7:51234'), '10.0.0.7');
    assert.equal(peerAddress('ipv6:[::1]:51234'), '::1');
    assert.equal(peerAddress('ipv6:[fe80::1]'), 'fe80::1');
    assert.equal(peerAddress('unix:/tmp/gpulab.sock'), 'unix:/tmp/gpulab.sock');
  });

  it('comes from GPULAB_RL_UNAUTHENTICATED_RATE and _BURST', () => {
    const config = compileGatewayConfig(gatewayOptionsFromEnv({ GPULAB_RL_UNAUTHENTICATED_RATE: '1', GPULAB_RL_UNAUTHENTICATED_BURST: '4' }));
    assert.deepEqual(config.rateLimits.unauthenticated, { perSecond: 1, burst: 4 });
    assert.deepEqual(compileGatewayConfig({}).rateLimits.unauthenticated, DEFAULT_RATE_LIMITS.unauthenticated);
  });
});

describe('the open-stream counter', () => {
  it('allows the most per key and gives a slot back on close', () => {
    const streams = new OpenStreamCounter(2);
    assert.equal(streams.tryOpen('alice'), true);
    assert.equal(streams.tryOpen('alice'), true);
    assert.equal(streams.tryOpen('alice'), false);
    assert.equal(streams.tryOpen('bob'), true);
    streams.close('alice');
    assert.equal(streams.tryOpen('alice'), true);
    streams.close('alice');
    streams.close('alice');
    assert.equal(streams.count('alice'), 0);
  });
});

describe('the rate limits configured', () => {
  it('come from GPULAB_RL_<GROUP>_RATE and _BURST, the rest keeping their defaults', () => {
    const config = compileGatewayConfig(gatewayOptionsFromEnv({ GPULAB_RL_SUBMIT_RATE: '2', GPULAB_RL_SUBMIT_BURST: '3', GPULAB_MAX_WATCHES_PER_TOKEN: '7' }));
    assert.deepEqual(config.rateLimits.submit, { perSecond: 2, burst: 3 });
    assert.deepEqual(config.rateLimits.read, DEFAULT_RATE_LIMITS.read);
    assert.equal(config.maxOpenStreamsPerToken, 7);
    assert.equal(compileGatewayConfig({}).maxOpenStreamsPerToken, 50);
  });

  it('refuses a bad value naming its variable', () => {
    assert.throws(() => compileGatewayConfig(gatewayOptionsFromEnv({ GPULAB_RL_READ_BURST: '0' })), /GPULAB_RL_READ_BURST/);
    assert.throws(() => compileGatewayConfig(gatewayOptionsFromEnv({ GPULAB_RL_ADMIN_RATE: 'lots' })), /GPULAB_RL_ADMIN_RATE/);
  });

  it('name a group for every RPC of the gpulab services', async () => {
    const { pb } = await import('@gpulab/contracts');
    const services = [pb.JobServiceService, pb.SlotServiceService, pb.AdminServiceService, pb.ArtifactServiceService];
    const rpcs = services.flatMap((s) => Object.values(s).map((m) => (m as { path: string }).path.split('/').pop() ?? ''));
    assert.deepEqual(rpcs.filter((r) => !RPC_LIMIT_GROUPS[r]), []);
  });
});
