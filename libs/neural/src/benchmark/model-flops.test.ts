import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { buildBenchmarkModel } from './benchmark-models';
import { flopsPerImage } from './model-flops';

/** Builds a benchmark model, counts its FLOPs per image, and frees it. */
function countAt(model: 'resnet50' | 'mobilenetv2' | 'course-cnn', inputSize: number): number {
  const net = buildBenchmarkModel(model, inputSize, 0);
  try {
    return flopsPerImage(net);
  } finally {
    net.dispose();
  }
}

function assertNear(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual / expected - 1) <= tolerance, `${what}: ${(actual / 1e9).toFixed(3)} GFLOP, expected ${(expected / 1e9).toFixed(3)} ± ${tolerance * 100}%`);
}

describe('FLOPs per image', () => {
  it("ResNet-50 without the top at 224 x 224 counts v1's 7.7 GFLOP: the 8.2 usually quoted, of v1.5, less its 0.46", () => {
    // The 8.2 GFLOP (4.1 G multiply-adds) quoted for ResNet-50 is v1.5's (torchvision's), whose
    // first block of conv3, conv4 and conv5 strides in the 3x3 convolution; Keras' v1 strides in
    // the 1x1 before it, which then runs on a quarter of the positions: 3 x 2 x 77.1 M fewer.
    const v15Extra = 3 * 2 * (56 * 56 - 28 * 28) * 256 * 128;
    assertNear(countAt('resnet50', 224), 8.2e9 - v15Extra, 0.01, 'resnet50');
    assertNear(countAt('resnet50', 224), 8.2e9, 0.06, 'resnet50 against v1.5');
  });

  it('MobileNetV2 without the top at 224 x 224 counts the published 0.6 GFLOP, within 5%', () => {
    assertNear(countAt('mobilenetv2', 224), 0.6e9, 0.05, 'mobilenetv2');
  });

  it('a convolutional network at twice the side counts four times the work', () => {
    // At 448 every feature map is exactly twice as wide as at 224; at 112 rounding would creep in.
    assertNear(countAt('resnet50', 448), 4 * countAt('resnet50', 224), 0.001, 'resnet50 at 448');
  });

  it('the course CNN counts its two convolutions and its dense layer exactly', () => {
    // conv1 5x5x3x16 and conv2 5x5x16x32 ('same' padding, 2x2 pooling after each), dense1 over 8x8x32.
    const expected = 2 * (32 * 32 * 5 * 5 * 3 * 16 + 16 * 16 * 5 * 5 * 16 * 32 + 8 * 8 * 32 * 256);
    assert.equal(countAt('course-cnn', 32), expected);
  });
});
