import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { prepareParams } from '@gpulab/compute';
import { testJobContext } from '../testing/job-context';
import { benchmarkKind } from './benchmark-kind';
import { BENCHMARK_DEFAULTS } from './benchmark-params';

describe('the benchmark kind', () => {
  it('fills in the defaults and keeps the backends asked for, once each', () => {
    assert.deepEqual(benchmarkKind.compile({ model: 'resnet50' }, undefined), { model: 'resnet50', ...BENCHMARK_DEFAULTS, backends: [] });
    const p = benchmarkKind.compile({ model: 'course-cnn', images: '8', batchSize: '4', inputSize: '64', backends: 'wasm, cpu,wasm' }, undefined);
    assert.deepEqual(p.backends, ['wasm', 'cpu']);
    assert.deepEqual(benchmarkKind.compile(prepareParams(benchmarkKind, { model: 'course-cnn', backends: 'cpu' }, undefined), undefined), benchmarkKind.compile({ model: 'course-cnn', backends: 'cpu' }, undefined));
  });

  it('refuses unknown models and backends, naming the valid ones and the installed backends', () => {
    assert.throws(() => benchmarkKind.compile({}, undefined), /benchmark needs a model: --set model=NAME, one of resnet50, mobilenetv2, course-cnn/);
    assert.throws(() => benchmarkKind.compile({ model: 'vgg16' }, undefined), /no benchmark model "vgg16"; the models are: resnet50, mobilenetv2, course-cnn/);
    assert.throws(() => benchmarkKind.compile({ model: 'resnet50', backends: 'webgl' }, undefined), /no TensorFlow.js backend "webgl"; the backends are: tensorflow-gpu, tensorflow, wasm, cpu \(installed: .*cpu\)/);
  });

  it('refuses images and batch sizes of 0, negative or above the limits, and inputs below 32 pixels', () => {
    for (const images of ['0', '-1', '50001']) assert.throws(() => benchmarkKind.compile({ model: 'resnet50', images }, undefined), /images must be between 1 and 50000/);
    for (const batchSize of ['0', '-4', '257']) assert.throws(() => benchmarkKind.compile({ model: 'resnet50', batchSize }, undefined), /batchSize must be between 1 and 256/);
    assert.throws(() => benchmarkKind.compile({ model: 'resnet50', inputSize: '31' }, undefined), /inputSize must be between 32/);
  });

  it('times every backend asked for, one row each, and a backend that cannot run fails only its row', async () => {
    const { ctx, progress } = testJobContext({});
    const p = benchmarkKind.compile({ model: 'course-cnn', images: '10', batchSize: '4', inputSize: '48', backends: 'cpu,tensorflow-gpu' }, undefined);
    const { result } = await benchmarkKind.run(ctx, p);
    assert.equal(result.inputSource, 'synthetic');
    assert.deepEqual(result.featureShape, [10, 256]);
    const [cpu, gpu] = result.rows as Record<string, unknown>[];
    assert.equal(cpu.backend, 'cpu');
    assert.equal(cpu.batches, 3);
    assert.ok((cpu.secondsPer1000Images as number) > 0);
    assert.ok((cpu.imagesPerSecond as number) > 0);
    assert.match(cpu.device as string, /^cpu: .*, \d+ cores/);
    assert.equal(gpu.backend, 'tensorflow-gpu');
    assert.match(gpu.error as string, /tensorflow-gpu backend is not installed/);
    assert.deepEqual(Object.keys(result.overheadMs as object), ['backendInit', 'modelBuild', 'warmUp']);
    assert.ok(progress.some(([, message]) => /^cpu: batch 3\/3/.test(message)));
  });

  it('stops between batches when the job is cancelled', async () => {
    const { ctx } = testJobContext({});
    const controller = new AbortController();
    const p = benchmarkKind.compile({ model: 'course-cnn', images: '40', batchSize: '4', inputSize: '32', backends: 'cpu' }, undefined);
    const cancelling = { ...ctx, signal: controller.signal, progress: async (_: number, message: string) => void (/batch 2\//.test(message) && controller.abort(new Error('cancelled'))) };
    await assert.rejects(benchmarkKind.run(cancelling, p), /cancelled/);
  });
});
