import type * as Tf from '@tensorflow/tfjs';
import { buildCnn } from '../cnn';
import { TRAIN_CLASSIFIER_DEFAULTS } from '../kinds/train-classifier-params';
import { tfjs } from '../tfjs';
import { type BenchmarkModel } from './benchmark-params';
import { buildMobileNetV2 } from './mobilenet-v2';
import { buildResNet50 } from './resnet50';

/** CIFAR-10's classes: the course CNN's scores, which the benchmark does not use. */
const CIFAR_CLASSES = 10;

/**
 * The network a benchmark times, without a top: ResNet-50 (2,048 features) and MobileNetV2
 * (1,280) end in global average pooling; the course CNN (train-classifier's defaults) is cut
 * after `dense1`, its last hidden layer.
 */
export function buildBenchmarkModel(model: BenchmarkModel, inputSize: number, seed: number): Tf.LayersModel {
  if (model === 'resnet50') return buildResNet50({ inputSize, seed });
  if (model === 'mobilenetv2') return buildMobileNetV2({ inputSize, seed });
  const d = TRAIN_CLASSIFIER_DEFAULTS;
  const cnn = buildCnn({ imageShape: [inputSize, inputSize, 3], classes: CIFAR_CLASSES, blocks: d.blocks, kernelSize: d.kernelSize, dense: d.dense, seed });
  return tfjs().model({ name: 'course-cnn', inputs: cnn.inputs, outputs: cnn.getLayer('dense1').output });
}
