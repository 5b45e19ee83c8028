import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildCommandEnv, type CommandEnvSpec } from './command-env';

function spec(overrides: Partial<CommandEnvSpec> = {}): CommandEnvSpec {
  const folders = { workdir: '/w', inputs: '/w/in', data: '/w/data', outputs: '/w/out', checkpoint: '/w/ckpt', progressFile: '/w/progress', stopDeadlineFile: '/w/stop' };
  return { base: {}, jobEnv: {}, jobId: 'job-1', attempt: 2, team: 'blue', gpus: [{ server: 's1', index: 2 }, { server: 's1', index: 3 }], folders, ...overrides };
}

describe("a run command's environment", () => {
  it("names the job's GPUs both as CUDA sees them and as gpulab names them", () => {
    const env = buildCommandEnv(spec());
    assert.equal(env.CUDA_VISIBLE_DEVICES, '2,3');
    assert.equal(env.GPULAB_GPUS, 's1:2,s1:3');
    assert.equal(env.GPULAB_JOB_ID, 'job-1');
    assert.equal(env.GPULAB_ATTEMPT, '2');
    assert.equal(env.GPULAB_TEAM, 'blue');
    assert.equal(env.GPULAB_OUTPUTS, '/w/out');
    assert.equal(env.GPULAB_CHECKPOINT_DIR, '/w/ckpt');
  });

  it("passes the worker's PATH on but none of its GPULAB_ or NATS variables (its credentials)", () => {
    const env = buildCommandEnv(spec({ base: { PATH: '/usr/bin', GPULAB_NATS_CREDS_TEXT: 'secret', NATS_URL: 'x', GPULAB_JOB_ID: 'other' } }));
    assert.equal(env.PATH, '/usr/bin');
    assert.equal(env.GPULAB_NATS_CREDS_TEXT, undefined);
    assert.equal(env.NATS_URL, undefined);
    assert.equal(env.GPULAB_JOB_ID, 'job-1');
  });

  it("adds the job's own variables and lets them override inherited ones", () => {
    const env = buildCommandEnv(spec({ base: { LANG: 'C' }, jobEnv: { LANG: 'de_DE.UTF-8', SEED: '7' } }));
    assert.equal(env.LANG, 'de_DE.UTF-8');
    assert.equal(env.SEED, '7');
    assert.equal(env.PYTHONUNBUFFERED, '1');
  });
});
