import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidParameterError } from '@gpulab/compute';
import { classModel } from './class-model';
import { type TinyMnist, tinyMnistModel } from './testing/tiny-mnist-model';
import { disposeResult } from './tidy-result';

describe('classModel', () => {
  let mnist: TinyMnist;
  before(async () => {
    mnist = await tinyMnistModel();
  });

  it("raises the target class's logit from about 0 at a blank image to a large value the model is sure of", async () => {
    const lines: string[] = [];
    for (const classIndex of [0, 3, 7]) {
      const result = await classModel(mnist.model, classIndex);
      lines.push(`${classIndex}: ${result.logitBefore.toFixed(2)} → ${result.logitAfter.toFixed(2)} (p ${result.probabilityAfter.toFixed(3)})`);
      assert.deepEqual(result.image.shape, [28, 28, 1]);
      assert.ok(Math.abs(result.logitBefore) < 1, `logit at the blank image ${result.logitBefore}`);
      assert.ok(result.logitAfter > 10, `logit after ${result.logitAfter}`);
      assert.ok(result.logitAfter - result.logitBefore > 10 * Math.max(1, Math.abs(result.logitBefore)));
      assert.ok(result.probabilityAfter > 0.5);
      assert.equal(result.history.length, 21);
      disposeResult(result);
    }
    console.log(`class model logits, blank → optimized: ${lines.join('; ')}`);
  });

  it('starts from seeded noise: the same seed gives the same image', async () => {
    const a = await classModel(mnist.model, 5, { from: 'random', iterations: 20, seed: 7 });
    const b = await classModel(mnist.model, 5, { from: 'random', iterations: 20, seed: 7 });
    assert.deepEqual(a.image.dataSync(), b.image.dataSync());
    assert.ok(a.logitAfter > a.logitBefore);
    disposeResult(a);
    disposeResult(b);
  });

  it('reports progress, stops when aborted and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    await assert.rejects(
      classModel(mnist.model, 1, {
        signal: controller.signal,
        onProgress: (p) => {
          seen.push(p.iteration);
          if (p.iteration === 20) controller.abort(new Error('cancelled'));
        },
      }),
      /cancelled/,
    );
    assert.deepEqual(seen, [10, 20]);
    assert.equal(tf.memory().numTensors, before);
  });

  it('refuses a class the model does not have and a bad option', async () => {
    await assert.rejects(classModel(mnist.model, 12), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'classIndex');
    await assert.rejects(classModel(mnist.model, 1, { iterations: 0 }), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'iterations');
  });
});
