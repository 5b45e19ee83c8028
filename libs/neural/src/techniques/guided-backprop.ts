import { InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { guidedRelu } from './guided-relu';
import { type InkMass, inkMass } from './ink-mass';
import { argMax, LayerChain } from './layer-chain';
import { checkPixelRange, inkThreshold, type PixelRange } from './pixel-range';
import { tidyResult } from './tidy-result';

/** What to explain: a class's score, or one neuron of a layer. */
export type GuidedTarget =
  | { classIndex: number }
  | {
      layer: string;
      /** The channel (a unit for a dense layer). */
      neuron: number;
      /** [row, column] of the neuron in the channel's map. @default where the channel is most active for this input */
      position?: readonly [row: number, column: number];
    };

export interface GuidedBackpropOptions {
  /** @default [0, 1] */
  pixelRange?: PixelRange;
}

/** Release the tensors with `disposeResult(result)`. */
export interface GuidedBackpropResult {
  target:
    | { kind: 'class'; classIndex: number; score: number }
    | { kind: 'neuron'; layer: string; neuron: number; position?: [number, number]; activation: number };
  /** The guided gradient at the input, signed: [H, W, C], the input's shape. */
  gradient: Tf.Tensor3D;
  /** Its positive part, the maximum over channels: [H, W], ≥ 0 — the features that excite the target. */
  map: Tf.Tensor2D;
  /** The ReLUs whose gradient rule was replaced, by layer name. */
  reluLayers: string[];
  /**
   * The smallest gradient any replaced ReLU passed down: ≥ 0, the rule's promise. +∞ when the
   * target is inactive (no gradient flows) or there are no ReLUs.
   */
  smallestPassedGradient: number;
  inkMass: InkMass;
}

/**
 * Springenberg et al. (2015), guided backpropagation: the gradient of a class's score, or of one
 * neuron (its gradient set to 1, all others 0), back to the input, where every ReLU passes the
 * gradient only where its forward input and the gradient from above are both positive. What
 * remains are the input features that excite the target, sharper than a plain gradient, which
 * also carries what would inhibit it.
 *
 * @param target @default the predicted class
 */
export function guidedBackprop(model: Tf.LayersModel, input: Tf.Tensor, target?: GuidedTarget, options: GuidedBackpropOptions = {}): GuidedBackpropResult {
  const tf = tfjs();
  const chain = LayerChain.of(model);
  const range = checkPixelRange(options.pixelRange);
  const neuronTarget = target && 'layer' in target ? target : undefined;
  const layerIndex = neuronTarget ? chain.find(neuronTarget.layer) : chain.scoreIndex;
  if (target && 'classIndex' in target) chain.checkClass(target.classIndex);
  const [h, w, c] = chain.inputSize;
  const guided = guidedRelu();
  const reluLayers = chain.names.filter((_, i) => i <= layerIndex && chain.isRelu(i));
  let result: Omit<GuidedBackpropResult, 'reluLayers' | 'smallestPassedGradient'>;
  try {
    result = tidyResult(() => {
      const x = chain.batchOfOne(input);
      const output = chain.run(x, { to: layerIndex });
      let describe: GuidedBackpropResult['target'];
      let objective: (y: Tf.Tensor) => Tf.Scalar;
      if (neuronTarget) {
        const { neuron, position } = checkNeuron(chain, layerIndex, output, neuronTarget);
        const activation = position ? output.slice([0, position[0], position[1], neuron], [1, 1, 1, 1]) : output.slice([0, neuron], [1, 1]);
        describe = { kind: 'neuron', layer: neuronTarget.layer, neuron, position, activation: activation.dataSync()[0] };
        objective = (y) => (position ? y.slice([0, position[0], position[1], neuron], [1, 1, 1, 1]) : y.slice([0, neuron], [1, 1])).sum();
      } else {
        const classIndex = target && 'classIndex' in target ? target.classIndex : argMax(output.dataSync());
        describe = { kind: 'class', classIndex, score: output.dataSync()[classIndex] };
        objective = (y) => y.slice([0, classIndex], [-1, 1]).sum();
      }
      const gradient = tf.grad((image: Tf.Tensor) => objective(chain.run(image, { to: layerIndex, relu: guided.apply })))(x);
      const map = tf.max(tf.relu(gradient), 3).reshape([h, w]) as Tf.Tensor2D;
      return { target: describe, gradient: gradient.reshape([h, w, c]) as Tf.Tensor3D, map, inkMass: inkMass(map, x, inkThreshold(range)) };
    });
  } catch (e) {
    guided.take(); // the minima it kept are tensors
    throw e;
  }
  return { ...result, reluLayers, smallestPassedGradient: guided.take() };
}

/** Checks the neuron against the layer's output and finds its position when none is given. */
function checkNeuron(
  chain: LayerChain,
  index: number,
  output: Tf.Tensor,
  target: { layer: string; neuron: number; position?: readonly [number, number] },
): { neuron: number; position?: [number, number] } {
  const channels = output.shape[output.rank - 1];
  const { neuron } = target;
  if (!Number.isInteger(neuron) || neuron < 0 || neuron >= channels) {
    throw new InvalidParameterError('neuron', `neuron must be a whole number from 0 to ${channels - 1} (layer "${chain.names[index]}" has ${channels} ${output.rank === 4 ? 'channels' : 'units'}), not ${neuron}`);
  }
  if (output.rank !== 4) {
    if (target.position) throw new InvalidParameterError('position', `layer "${chain.names[index]}" has no feature maps, so its neurons have no position`);
    return { neuron };
  }
  const [, height, width] = output.shape;
  if (target.position) {
    const [row, column] = target.position;
    const inside = (v: number, n: number) => Number.isInteger(v) && v >= 0 && v < n;
    if (!inside(row, height) || !inside(column, width)) {
      throw new InvalidParameterError('position', `position must be [row, column] inside layer "${chain.names[index]}"'s ${height}x${width} maps, not [${row}, ${column}]`);
    }
    return { neuron, position: [row, column] };
  }
  const channel = tfjs().tidy(() => output.slice([0, 0, 0, neuron], [1, height, width, 1]).dataSync());
  const at = argMax(channel);
  return { neuron, position: [Math.floor(at / width), at % width] };
}
