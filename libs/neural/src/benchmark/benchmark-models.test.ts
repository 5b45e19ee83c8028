import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../backend';
import { tfjs } from '../tfjs';
import { buildBenchmarkModel } from './benchmark-models';
import { buildMobileNetV2 } from './mobilenet-v2';
import { buildResNet50 } from './resnet50';

describe('the benchmark models', () => {
  it('ResNet-50 has Keras’ 25,636,712 parameters with the top and 23,587,712 without, ending in 1,000 scores or 2,048 features', () => {
    const top = buildResNet50({ includeTop: true });
    const features = buildResNet50();
    try {
      assert.equal(top.countParams(), 25_636_712);
      assert.deepEqual(top.outputs[0].shape, [null, 1000]);
      assert.equal(features.countParams(), 23_587_712);
      assert.deepEqual(features.outputs[0].shape, [null, 2048]);
    } finally {
      top.dispose();
      features.dispose();
    }
  });

  it('MobileNetV2 (alpha 1.0) has Keras’ 3,538,984 parameters with the top, and 1,280 features without', () => {
    const top = buildMobileNetV2({ includeTop: true });
    const features = buildMobileNetV2();
    try {
      assert.equal(top.countParams(), 3_538_984);
      assert.deepEqual(top.outputs[0].shape, [null, 1000]);
      assert.deepEqual(features.outputs[0].shape, [null, 1280]);
    } finally {
      top.dispose();
      features.dispose();
    }
  });

  it('each benchmark model turns one 32x32 image into one feature vector', async () => {
    await initBackend('cpu');
    const tf = tfjs();
    for (const [model, width] of [['resnet50', 2048], ['mobilenetv2', 1280], ['course-cnn', 256]] as const) {
      const net = buildBenchmarkModel(model, 32, 0);
      const out = tf.tidy(() => net.predict(tf.zeros([1, 32, 32, 3])) as ReturnType<typeof tf.zeros>);
      assert.deepEqual(out.shape, [1, width], model);
      assert.ok([...out.dataSync()].every(Number.isFinite), model);
      out.dispose();
      net.dispose();
    }
  });
});
