import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { LayerChain } from './layer-chain';
import { saliency } from './saliency';
import { disposeResult } from './tidy-result';

/** A small untrained chain; the layer that makes class scores is chosen by the caller. */
function chainModel(head: 'logits+softmax' | 'dense-softmax' | 'linear'): tf.Sequential {
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ name: 'c1', filters: 2, kernelSize: 3, activation: 'relu', inputShape: [8, 8, 1], kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }));
  model.add(tf.layers.flatten({ name: 'f' }));
  if (head === 'logits+softmax') {
    model.add(tf.layers.dense({ name: 'logits', units: 3, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
    model.add(tf.layers.activation({ name: 'probabilities', activation: 'softmax' }));
  } else {
    model.add(tf.layers.dense({ name: 'out', units: 3, activation: head === 'dense-softmax' ? 'softmax' : 'linear', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }));
  }
  return model;
}

describe('LayerChain', () => {
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
  });

  it('scores with the logits layer, before a softmax layer', () => {
    const chain = LayerChain.of(chainModel('logits+softmax'));
    assert.equal(chain.names[chain.scoreIndex], 'logits');
    assert.equal(chain.scoreKind, 'logit');
    assert.equal(chain.classes, 3);
  });

  it("strips a dense layer's own softmax, so its scores are logits whose softmax is the model's output", () => {
    const model = chainModel('dense-softmax');
    const chain = LayerChain.of(model);
    assert.equal(chain.scoreKind, 'logit');
    const x = tf.randomUniform([2, 8, 8, 1], 0, 1, 'float32', 3);
    const [fromScores, output] = tf.tidy(() => [tf.softmax(chain.scores(x)).dataSync(), (model.predict(x) as tf.Tensor).dataSync()]);
    fromScores.forEach((v, i) => assert.ok(Math.abs(v - output[i]) < 1e-6));
    assert.equal(model.getLayer('out').getConfig().activation, 'softmax', 'the model is unchanged after the walk');
    x.dispose();
  });

  it('uses the output as is when there is no softmax', () => {
    assert.equal(LayerChain.of(chainModel('linear')).scoreKind, 'output');
  });

  it('walks a functional model of the same chain', () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const hidden = tf.layers.conv2d({ name: 'c1', filters: 2, kernelSize: 3, activation: 'relu' }).apply(input) as tf.SymbolicTensor;
    const flat = tf.layers.flatten({ name: 'f' }).apply(hidden) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ name: 'logits', units: 3 }).apply(flat) as tf.SymbolicTensor;
    const chain = LayerChain.of(tf.model({ inputs: input, outputs: logits }));
    assert.deepEqual(chain.names, ['c1', 'f', 'logits']);
    const x = tf.zeros([8, 8, 1]);
    const result = saliency(chain.model, x);
    assert.deepEqual(result.map.shape, [8, 8]);
    disposeResult(result);
    x.dispose();
  });

  it('refuses a branching model, naming the layer that breaks the chain', () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const a = tf.layers.conv2d({ name: 'a', filters: 2, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const b = tf.layers.conv2d({ name: 'b', filters: 2, kernelSize: 3, padding: 'same' }).apply(input) as tf.SymbolicTensor;
    const sum = tf.layers.add({ name: 'sum' }).apply([a, b]) as tf.SymbolicTensor;
    assert.throws(() => LayerChain.of(tf.model({ inputs: input, outputs: sum })), (e: unknown) => e instanceof InvalidParameterError && e.parameter === 'model' && /layer "b"/.test(e.message));
  });

  it('refuses an input of another size, saying what the model takes', () => {
    const chain = LayerChain.of(chainModel('linear'));
    const x = tf.zeros([28, 28, 1]);
    assert.throws(() => chain.batchOfOne(x), (e: unknown) => e instanceof InvalidInputError && e.message === 'input is [28, 28, 1] but the model takes one 8x8x1 image (fitImage resizes an image and converts its channels)');
    x.dispose();
  });
});
