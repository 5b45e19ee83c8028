import type * as Tf from '@tensorflow/tfjs';
import { tfjs } from '../tfjs';
import { type ImageNetModelOptions } from './resnet50';

/** Keras' batch-normalization settings in MobileNetV2. */
const BN = { axis: 3, epsilon: 1e-3, momentum: 0.999 } as const;

/** The inverted residual blocks of alpha 1.0: output channels, stride, expansion. */
const BLOCKS: readonly (readonly [filters: number, stride: number, expansion: number])[] = [
  [16, 1, 1],
  [24, 2, 6], [24, 1, 6],
  [32, 2, 6], [32, 1, 6], [32, 1, 6],
  [64, 2, 6], [64, 1, 6], [64, 1, 6], [64, 1, 6],
  [96, 1, 6], [96, 1, 6], [96, 1, 6],
  [160, 2, 6], [160, 1, 6], [160, 1, 6],
  [320, 1, 6],
];

/**
 * MobileNetV2 as Keras builds it (`keras.applications.MobileNetV2`, alpha 1.0, random weights):
 * 3,538,984 parameters with the 1,000-class top; without it the model ends in global average
 * pooling, 1,280 features per image. Layer names follow Keras (`block_1_expand`, …).
 */
export function buildMobileNetV2(options: ImageNetModelOptions = {}): Tf.LayersModel {
  const tf = tfjs();
  const { inputSize = 224, includeTop = false, seed = 0 } = options;
  let layerSeed = seed * 1000;
  const init = () => tf.initializers.heNormal({ seed: ++layerSeed });
  const apply = (layer: Tf.layers.Layer, x: Tf.SymbolicTensor | Tf.SymbolicTensor[]) => layer.apply(x) as Tf.SymbolicTensor;
  const bn = (x: Tf.SymbolicTensor, name: string) => apply(tf.layers.batchNormalization({ name, ...BN }), x);
  const relu6 = (x: Tf.SymbolicTensor, name: string) => apply(tf.layers.reLU({ name, maxValue: 6 }), x);
  const pointwise = (x: Tf.SymbolicTensor, filters: number, name: string) =>
    apply(tf.layers.conv2d({ name, filters, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init() }), x);

  const input = tf.input({ name: 'input_1', shape: [inputSize, inputSize, 3] });
  let x = apply(tf.layers.conv2d({ name: 'Conv1', filters: 32, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: init() }), input);
  x = relu6(bn(x, 'bn_Conv1'), 'Conv1_relu');
  let channels = 32;
  BLOCKS.forEach(([filters, stride, expansion], id) => {
    const prefix = id === 0 ? 'expanded_conv_' : `block_${id}_`;
    let y = x;
    if (id > 0) y = relu6(bn(pointwise(y, expansion * channels, `${prefix}expand`), `${prefix}expand_BN`), `${prefix}expand_relu`);
    y = apply(tf.layers.depthwiseConv2d({ name: `${prefix}depthwise`, kernelSize: 3, strides: stride, padding: 'same', useBias: false, depthwiseInitializer: init() }), y);
    y = relu6(bn(y, `${prefix}depthwise_BN`), `${prefix}depthwise_relu`);
    y = bn(pointwise(y, filters, `${prefix}project`), `${prefix}project_BN`);
    x = channels === filters && stride === 1 ? apply(tf.layers.add({ name: `${prefix}add` }), [x, y]) : y;
    channels = filters;
  });
  x = relu6(bn(pointwise(x, 1280, 'Conv_1'), 'Conv_1_bn'), 'out_relu');
  x = apply(tf.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  if (includeTop) x = apply(tf.layers.dense({ name: 'predictions', units: 1000, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: ++layerSeed }) }), x);
  return tf.model({ name: 'mobilenetv2', inputs: input, outputs: x });
}
