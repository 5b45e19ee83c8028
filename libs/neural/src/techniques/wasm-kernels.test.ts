import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { activationGradients } from './activations';
import { classModel } from './class-model';
import { deepDream } from './deep-dream';
import { fgsm } from './fgsm';
import { guidedBackprop } from './guided-backprop';
import { neuralStyle } from './neural-style';
import { saliency } from './saliency';
import { disposeResult } from './tidy-result';
import { visualBackprop } from './visual-backprop';

/** conv–ReLU–pool, conv–ReLU, dense, logits, softmax on 12 x 12 images, untrained: only the kernels it calls matter here. */
function smallCnn(): tf.Sequential {
  let seed = 1;
  const init = () => tf.initializers.glorotUniform({ seed: seed++ });
  const model = tf.sequential();
  model.add(tf.layers.conv2d({ name: 'conv1', filters: 3, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [12, 12, 1], kernelInitializer: init() }));
  model.add(tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }));
  model.add(tf.layers.conv2d({ name: 'conv2', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.flatten({ name: 'flatten' }));
  model.add(tf.layers.dense({ name: 'dense1', units: 8, activation: 'relu', kernelInitializer: init() }));
  model.add(tf.layers.dense({ name: 'logits', units: 3, kernelInitializer: init() }));
  model.add(tf.layers.activation({ name: 'softmax', activation: 'softmax' }));
  return model;
}

/*
 * Workers compute on the wasm backend, which lacks some kernels the cpu backend has (the filter
 * gradient of a convolution, the gradient of gather, ...). Here every cpu kernel that wasm
 * lacks throws while the techniques run on cpu, which catches a technique that needs one
 * without running wasm itself.
 */
describe('the techniques on the kernels the wasm backend has', () => {
  const removed: tf.KernelConfig[] = [];
  before(async () => {
    await tf.setBackend('cpu');
    tf.enableProdMode();
    const wasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
    for (const kernel of tf.getKernelsForBackend('cpu')) {
      if (wasm.has(kernel.kernelName)) continue;
      removed.push(kernel);
      tf.unregisterKernel(kernel.kernelName, 'cpu');
      tf.registerKernel({
        kernelName: kernel.kernelName,
        backendName: 'cpu',
        kernelFunc: () => {
          throw new Error(`${kernel.kernelName} is not a wasm kernel`);
        },
      });
    }
    assert.ok(removed.some((k) => k.kernelName === 'Conv2DBackpropFilter'));
  });
  after(() => {
    for (const kernel of removed) {
      tf.unregisterKernel(kernel.kernelName, 'cpu');
      tf.registerKernel(kernel);
    }
  });

  it('runs every technique without a kernel the wasm backend lacks', async () => {
    const model = smallCnn();
    const image = tf.randomUniform([12, 12, 1], 0, 1, 'float32', 2);
    const other = tf.randomUniform([12, 12, 1], 0, 1, 'float32', 3);
    disposeResult(saliency(model, image));
    disposeResult(guidedBackprop(model, image));
    disposeResult(guidedBackprop(model, image, { layer: 'conv2', neuron: 1 }));
    disposeResult(activationGradients(model, image, 'conv1'));
    disposeResult(visualBackprop(model, image));
    disposeResult(fgsm(model, image, [1], 0.1));
    disposeResult(await classModel(model, 2, { iterations: 10 }));
    disposeResult(await deepDream(model, image, { iterations: 2, octaves: 1 }));
    disposeResult(await neuralStyle(model, image, other, { iterations: 2 }));
    tf.dispose([image, other]);
    model.dispose();
  });
});
