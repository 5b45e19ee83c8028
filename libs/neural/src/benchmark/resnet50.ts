import type * as Tf from '@tensorflow/tfjs';
import { tfjs } from '../tfjs';

/** What to build of a benchmark model: the input side, and whether the 1,000-class top is on. */
export interface ImageNetModelOptions {
  /** Height and width of the (square, RGB) input. @default 224 */
  inputSize?: number;
  /** The 1,000-class softmax top; without it the model ends in global average pooling. @default false */
  includeTop?: boolean;
  /** Seeds the initializers, so two builds have the same random weights. @default 0 */
  seed?: number;
}

/** Keras' batch-normalization epsilon in ResNet. */
const BN_EPSILON = 1.001e-5;

/**
 * ResNet-50 v1 as Keras builds it (`keras.applications.ResNet50`, random weights): convolutions
 * with biases, 25,636,712 parameters with the top, 23,587,712 without. Without the top it is
 * the feature extractor the benchmark times: 2,048 features per image after global average
 * pooling. Layer names follow Keras (`conv2_block1_1_conv`, …).
 */
export function buildResNet50(options: ImageNetModelOptions = {}): Tf.LayersModel {
  const tf = tfjs();
  const { inputSize = 224, includeTop = false, seed = 0 } = options;
  let layerSeed = seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: ++layerSeed });
  const conv = (x: Tf.SymbolicTensor, filters: number, kernelSize: number, name: string, strides = 1, padding: 'same' | 'valid' = 'valid') =>
    tf.layers.conv2d({ name, filters, kernelSize, strides, padding, kernelInitializer: init() }).apply(x) as Tf.SymbolicTensor;
  const bn = (x: Tf.SymbolicTensor, name: string) => tf.layers.batchNormalization({ name, axis: 3, epsilon: BN_EPSILON }).apply(x) as Tf.SymbolicTensor;
  const relu = (x: Tf.SymbolicTensor, name: string) => tf.layers.activation({ name, activation: 'relu' }).apply(x) as Tf.SymbolicTensor;

  const block = (x: Tf.SymbolicTensor, filters: number, stride: number, convShortcut: boolean, name: string): Tf.SymbolicTensor => {
    const shortcut = convShortcut ? bn(conv(x, 4 * filters, 1, `${name}_0_conv`, stride), `${name}_0_bn`) : x;
    let y = relu(bn(conv(x, filters, 1, `${name}_1_conv`, stride), `${name}_1_bn`), `${name}_1_relu`);
    y = relu(bn(conv(y, filters, 3, `${name}_2_conv`, 1, 'same'), `${name}_2_bn`), `${name}_2_relu`);
    y = bn(conv(y, 4 * filters, 1, `${name}_3_conv`), `${name}_3_bn`);
    return relu(tf.layers.add({ name: `${name}_add` }).apply([shortcut, y]) as Tf.SymbolicTensor, `${name}_out`);
  };
  const stack = (x: Tf.SymbolicTensor, filters: number, blocks: number, stride: number, name: string): Tf.SymbolicTensor => {
    let y = block(x, filters, stride, true, `${name}_block1`);
    for (let i = 2; i <= blocks; i++) y = block(y, filters, 1, false, `${name}_block${i}`);
    return y;
  };

  const input = tf.input({ name: 'input_1', shape: [inputSize, inputSize, 3] });
  let x = tf.layers.zeroPadding2d({ name: 'conv1_pad', padding: 3 }).apply(input) as Tf.SymbolicTensor;
  x = relu(bn(conv(x, 64, 7, 'conv1_conv', 2), 'conv1_bn'), 'conv1_relu');
  x = tf.layers.zeroPadding2d({ name: 'pool1_pad', padding: 1 }).apply(x) as Tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ name: 'pool1_pool', poolSize: 3, strides: 2 }).apply(x) as Tf.SymbolicTensor;
  x = stack(x, 64, 3, 1, 'conv2');
  x = stack(x, 128, 4, 2, 'conv3');
  x = stack(x, 256, 6, 2, 'conv4');
  x = stack(x, 512, 3, 2, 'conv5');
  x = tf.layers.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as Tf.SymbolicTensor;
  if (includeTop) x = tf.layers.dense({ name: 'predictions', units: 1000, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: ++layerSeed }) }).apply(x) as Tf.SymbolicTensor;
  return tf.model({ name: 'resnet50', inputs: input, outputs: x });
}
