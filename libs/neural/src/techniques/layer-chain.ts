import { InvalidInputError, InvalidParameterError } from '@gpulab/compute';
import { type Tf, tfjs } from '../tfjs';
import { quoteInput } from '@gpulab/contracts';

export type Layer = Tf.LayersModel['layers'][number];

/** One image's side lengths and channels, as the model takes it. */
export type ImageSize = readonly [height: number, width: number, channels: number];

/** The part of a layer's activation that the walk swaps; tfjs keeps it as a field of Dense, Conv and Activation layers. */
interface ActivationSlot {
  activation?: { getClassName(): string; apply(x: Tf.Tensor): Tf.Tensor } | null;
}

/** Replaces a ReLU during one walk; `guided-relu.ts` makes the one guided backpropagation uses. */
export type ReluReplacement = (x: Tf.Tensor) => Tf.Tensor;

export interface RunOptions {
  /** First layer to apply (an index into {@link LayerChain.layers}). @default 0 */
  from?: number;
  /** Last layer to apply, inclusive. @default the layer of the class scores */
  to?: number;
  /** Applied instead of every ReLU (fused into a layer or a layer of its own). */
  relu?: ReluReplacement;
  /** Called with each layer's index and output, in order, e.g. to keep feature maps. */
  onOutput?: (index: number, output: Tf.Tensor) => void;
}

/**
 * A model seen as the chain of layers it is (conv–ReLU–pool blocks, then dense layers), walked
 * one layer at a time on concrete tensors. The techniques need what `model.predict` hides: the
 * output of any layer, a gradient with respect to it, the class scores before the softmax, a
 * ReLU whose gradient rule is replaced, and a convolutional prefix run on an image of another
 * size (deep dream's octaves). Sub-models made with `tf.model` would give the first two only.
 */
export class LayerChain {
  /** The layers in order, without the input layer. */
  readonly layers: readonly Layer[];
  readonly names: readonly string[];
  /** The model's input image size. */
  readonly inputSize: ImageSize;
  /** Index of the layer whose output are the class scores. */
  readonly scoreIndex: number;
  /**
   * `logit`: the scores are the pre-softmax logits (a layer named `logits`, or the input of a
   * final softmax); `output`: the model has no softmax to strip, so its output is used as is.
   */
  readonly scoreKind: 'logit' | 'output';
  readonly classes: number;
  /** Whether the scoring layer computes a softmax itself that the walk must leave out. */
  private readonly stripSoftmax: boolean;

  private constructor(readonly model: Tf.LayersModel) {
    this.layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    this.names = this.layers.map((l) => l.name);
    this.inputSize = modelInputSize(model);
    checkChain(model, this.layers);
    const last = this.layers.length - 1;
    const named = this.names.indexOf('logits');
    const lastActivation = activationName(this.layers[last]);
    if (named >= 0) {
      [this.scoreIndex, this.scoreKind, this.stripSoftmax] = [named, 'logit', false];
    } else if (lastActivation === 'softmax' && this.layers[last].getClassName() === 'Activation' && last > 0) {
      [this.scoreIndex, this.scoreKind, this.stripSoftmax] = [last - 1, 'logit', false];
    } else if (lastActivation === 'softmax') {
      [this.scoreIndex, this.scoreKind, this.stripSoftmax] = [last, 'logit', true];
    } else {
      [this.scoreIndex, this.scoreKind, this.stripSoftmax] = [last, 'output', false];
    }
    const scoreShape = outputShape(this.layers[this.scoreIndex]);
    this.classes = scoreShape[scoreShape.length - 1] ?? 0;
  }

  /** The chain of `model`; refuses a model that branches or takes other than one image. */
  static of(model: Tf.LayersModel): LayerChain {
    return new LayerChain(model);
  }

  /** The index of the layer called `name`; unknown names are refused with the model's layer names. */
  find(name: string, parameter = 'layer'): number {
    const index = this.names.indexOf(name);
    if (index < 0) {
      throw new InvalidParameterError(parameter, `the model has no layer ${quoteInput(name)}; its layers are: ${this.names.join(', ')}`);
    }
    return index;
  }

  /** Like {@link find}, for a layer whose output has feature maps (height × width × channels). */
  findSpatial(name: string, parameter = 'layer'): number {
    const index = this.find(name, parameter);
    if (outputShape(this.layers[index]).length !== 4) {
      const spatial = this.names.filter((_, i) => outputShape(this.layers[i]).length === 4);
      throw new InvalidParameterError(
        parameter,
        `layer "${name}" has no feature maps (its output is ${formatShape(outputShape(this.layers[index]))}); layers with feature maps: ${spatial.join(', ')}`,
      );
    }
    return index;
  }

  /** Output shape of layer `index` without the batch dimension. */
  shapeOf(index: number): number[] {
    return outputShape(this.layers[index]).slice(1) as number[];
  }

  /** Whether layer `index`'s output is a ReLU's (fused into the layer or a ReLU layer). */
  isRelu(index: number): boolean {
    return reluKind(this.layers[index]) !== undefined;
  }

  /** Refuses a class index outside the model's classes. */
  checkClass(classIndex: number, parameter = 'classIndex'): number {
    if (!Number.isInteger(classIndex) || classIndex < 0 || classIndex >= this.classes) {
      throw new InvalidParameterError(parameter, `${parameter} must be a whole number from 0 to ${this.classes - 1} (the model has ${this.classes} classes), not ${classIndex}`);
    }
    return classIndex;
  }

  /**
   * One image as a batch of one: [H, W, C] or [1, H, W, C] (or [H, W] for one channel) in the
   * model's input size. The caller disposes the result; it may be `input` itself.
   */
  batchOfOne(input: Tf.Tensor, parameter = 'input'): Tf.Tensor4D {
    this.checkImage(input, parameter);
    return input.rank === 4 ? (input as Tf.Tensor4D) : input.reshape([1, ...this.inputSize]);
  }

  /** Refuses, before any tensor is made, what {@link batchOfOne} cannot take. */
  checkImage(input: Tf.Tensor, parameter = 'input'): void {
    const [h, w, c] = this.inputSize;
    const shape = input.shape;
    const fits = (s: readonly number[]) => s.length === 3 && s[0] === h && s[1] === w && s[2] === c;
    if (shape.length === 4 && shape[0] === 1 && fits(shape.slice(1))) return;
    if (fits(shape) || (shape.length === 2 && c === 1 && shape[0] === h && shape[1] === w)) return;
    throw new InvalidInputError(
      'MATRIX_SHAPE',
      `${parameter} is ${formatShape(shape)} but the model takes one ${h}x${w}x${c} image (fitImage resizes an image and converts its channels)`,
    );
  }

  /** Like {@link batchOfOne} for a batch [N, H, W, C] (or one image). */
  batch(inputs: Tf.Tensor, parameter = 'inputs'): Tf.Tensor4D {
    const [h, w, c] = this.inputSize;
    const s = inputs.shape;
    if (s.length === 4 && s[1] === h && s[2] === w && s[3] === c) return inputs as Tf.Tensor4D;
    return this.batchOfOne(inputs, parameter);
  }

  /** Applies layers `from`..`to` to `x`. Call it inside `tf.tidy` or a gradient function. */
  run(x: Tf.Tensor, options: RunOptions = {}): Tf.Tensor {
    const from = options.from ?? 0;
    const to = options.to ?? this.scoreIndex;
    let y = x;
    for (let i = from; i <= to; i++) {
      y = this.apply(i, y, options.relu);
      options.onOutput?.(i, y);
    }
    return y;
  }

  /** The class scores of a batch ([N, classes]), from layer `from` on when `x` is that layer's input. */
  scores(x: Tf.Tensor, options: Omit<RunOptions, 'to'> = {}): Tf.Tensor2D {
    return this.run(x, { ...options, to: this.scoreIndex }) as Tf.Tensor2D;
  }

  /** Class probabilities from {@link scores}: their softmax, or the scores when they are the model's output already. */
  probabilities(scores: Tf.Tensor2D): Tf.Tensor2D {
    return this.scoreKind === 'logit' ? tfjs().softmax(scores) : scores;
  }

  private apply(index: number, x: Tf.Tensor, relu: ReluReplacement | undefined): Tf.Tensor {
    const layer = this.layers[index];
    const call = () => layer.apply(x, { training: false }) as Tf.Tensor;
    if (index === this.scoreIndex && this.stripSoftmax) return withActivation(layer, 'linear', (t) => t, call);
    if (!relu) return call();
    const kind = reluKind(layer);
    if (kind === 'layer') return relu(x);
    if (kind === 'fused') return relu(convolutionWithoutActivation(layer, x) ?? withActivation(layer, 'linear', (t) => t, call));
    return call();
  }
}

/** The model's input as [height, width, channels]; refused unless it takes one image. */
function modelInputSize(model: Tf.LayersModel): ImageSize {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new InvalidParameterError('model', `the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; these techniques take a model of one image input and one output`);
  }
  const shape = model.inputs[0].shape;
  if (shape.length !== 4 || shape.slice(1).some((d) => d === null)) {
    throw new InvalidParameterError('model', `the model's input is ${formatShape(shape)}; these techniques take images of a fixed size, [batch, height, width, channels]`);
  }
  return [shape[1], shape[2], shape[3]] as unknown as ImageSize;
}

/** Refuses a model whose layers do not each take the previous one's output. */
function checkChain(model: Tf.LayersModel, layers: readonly Layer[]): void {
  layers.forEach((layer, i) => {
    const inbound = (layer as unknown as { inboundNodes: { inboundLayers: Layer[] }[] }).inboundNodes[0]?.inboundLayers ?? [];
    const expected = i === 0 ? undefined : layers[i - 1];
    const ok = inbound.length === 1 && (expected ? inbound[0] === expected : inbound[0].getClassName() === 'InputLayer');
    if (!ok) {
      throw new InvalidParameterError(
        'model',
        `layer "${layer.name}" of model "${model.name}" does not take the output of ${expected ? `"${expected.name}"` : 'the input'}; these techniques walk a chain of layers (conv–ReLU–pool blocks, then dense layers), not a branching model`,
      );
    }
  });
}

function outputShape(layer: Layer): (number | null)[] {
  const shape = layer.outputShape;
  return (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
}

function activationName(layer: Layer): string | undefined {
  return (layer as unknown as ActivationSlot).activation?.getClassName();
}

/** `fused`: a layer with a ReLU activation (Conv2D, Dense, Activation); `layer`: tf.layers.reLU without a cap. */
function reluKind(layer: Layer): 'fused' | 'layer' | undefined {
  if (activationName(layer) === 'relu') return 'fused';
  if (layer.getClassName() === 'ReLU' && (layer as unknown as { maxValue?: number | null }).maxValue == null) return 'layer';
  return undefined;
}

/**
 * Runs `call` with the layer's activation replaced. The replacement's class name is one that
 * tfjs cannot fuse into the convolution or matrix product, so the layer computes its linear part
 * and then calls `apply`. The walk is synchronous, so nothing else sees the swapped layer.
 */
function withActivation(layer: Layer, className: string, apply: (x: Tf.Tensor) => Tf.Tensor, call: () => Tf.Tensor): Tf.Tensor {
  const slot = layer as unknown as ActivationSlot;
  const original = slot.activation;
  slot.activation = { getClassName: () => className, apply };
  try {
    return call();
  } finally {
    slot.activation = original;
  }
}

/**
 * A Conv2D layer's convolution plus bias, computed here rather than by the layer without its
 * ReLU: tfjs runs a linear convolution as one fused op whose gradient always includes the
 * filter's, which costs time for nothing and does not exist on the wasm backend. Undefined for
 * other layers, which the caller runs with a linear activation instead.
 */
function convolutionWithoutActivation(layer: Layer, x: Tf.Tensor): Tf.Tensor | undefined {
  if (layer.getClassName() !== 'Conv2D') return undefined;
  const l = layer as unknown as { strides: [number, number]; padding: string; dilationRate: [number, number]; dataFormat: string; useBias: boolean };
  if (l.dataFormat !== 'channelsLast' || (l.padding !== 'same' && l.padding !== 'valid')) return undefined;
  const tf = tfjs();
  const [kernel, bias] = layer.getWeights();
  const y = tf.conv2d(x as Tf.Tensor4D, kernel as Tf.Tensor4D, l.strides, l.padding, 'NHWC', l.dilationRate);
  return l.useBias && bias ? tf.add(y, bias) : y;
}

export function formatShape(shape: readonly (number | null)[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;
}

/** Arg-max of a small array of numbers (the first when tied). */
export function argMax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}
