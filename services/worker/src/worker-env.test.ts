import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readWorkerEnv } from './worker-env';

describe("the worker's environment", () => {
  const job = { GPULAB_JOB_ID: 'j-01jd0000000000000000000000', GPULAB_ATTEMPT: '2', GPULAB_GPUS: 's1:0,s1:1' };

  it('passes GPULAB_BACKEND on to the neural-network jobs, and leaves the choice to them when it is unset or blank', () => {
    assert.equal(readWorkerEnv({ ...job, GPULAB_BACKEND: ' wasm ' }).backend, 'wasm');
    assert.equal(readWorkerEnv({ ...job }).backend, undefined);
    assert.equal(readWorkerEnv({ ...job, GPULAB_BACKEND: '' }).backend, undefined);
  });

  it('reads the job, the attempt and the GPUs', () => {
    const env = readWorkerEnv(job);
    assert.equal(env.attempt, 2);
    assert.deepEqual(env.gpus, [
      { server: 's1', index: 0 },
      { server: 's1', index: 1 },
    ]);
  });

  it('takes the heartbeat interval the launcher gives, 2 s without one, and refuses one that is not whole milliseconds in range', () => {
    assert.equal(readWorkerEnv({ ...job, GPULAB_HEARTBEAT_INTERVAL_MS: '200' }).heartbeatIntervalMs, 200);
    assert.equal(readWorkerEnv(job).heartbeatIntervalMs, 2000);
    for (const bad of ['0', '2s', '-5', '1e3', '700000']) {
      assert.throws(() => readWorkerEnv({ ...job, GPULAB_HEARTBEAT_INTERVAL_MS: bad }), /GPULAB_HEARTBEAT_INTERVAL_MS: ".*" is not a number of milliseconds from 10 to 600000/);
    }
  });

  it('reads the data mounts as names of absolute paths and refuses anything else, naming the variable', () => {
    assert.deepEqual(readWorkerEnv({ ...job, GPULAB_DATA_MOUNTS: 'trainval=/data/dl_lecture_data/TrainVal, test=/data/test' }).dataMounts, {
      trainval: '/data/dl_lecture_data/TrainVal',
      test: '/data/test',
    });
    assert.deepEqual(readWorkerEnv(job).dataMounts, {});
    for (const bad of ['trainval', 'a=relative/path', '../x=/data', 'a=/x,a=/y']) {
      assert.throws(() => readWorkerEnv({ ...job, GPULAB_DATA_MOUNTS: bad }), /^Error: GPULAB_DATA_MOUNTS: /);
    }
  });
});
