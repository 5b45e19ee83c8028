import { booleanParam, choiceParam, integerParam, InvalidParameterError, type JobContext, type JobOutput, numberParam, type OutputFile, rejectUnknownParams } from '@gpulab/compute';
import { quoteInput } from '@gpulab/contracts';
import { initBackend } from '../backend';
import { type NeuralJobKind } from '../neural-job-kind';
import { heatMapOverlayPng, heatMapPng, mapGridPng, rgbPng } from '../images';
import {
  activationGradients,
  activations,
  classModel,
  deepDream,
  disposeResult,
  fgsm,
  filters,
  guidedBackprop,
  neuralStyle,
  saliency,
  visualBackprop,
} from '../techniques';
import { type Tf } from '../tfjs';
import { classParam, inputImage, loadSubject, npyFile, pictureParam, pngFile, type Subject } from './subject';

/** Parameters every technique takes: the model; and of those that look at an input, its row and whether to invert it. */
const COMMON = ['model'] as const;
const COMMON_INPUT = ['index', 'invert'] as const;

interface TechniqueSpec {
  name: string;
  summary: string;
  /** Whether the technique looks at an input image (filters and class models do not). */
  needsImage: boolean;
  params: readonly string[];
  /** Its parameters that name an uploaded picture (checked by the gateway like the model). */
  imageParams?: readonly string[];
  /** Checks and normalizes the technique's own parameters (no TensorFlow.js here: the gateway runs it). */
  check(params: Record<string, unknown>): Record<string, unknown>;
  run(subject: Subject, context: JobContext, params: Record<string, unknown>): Promise<Omit<JobOutput, 'backend'>>;
}

/** A job kind from a technique: the model reference, the input row and the backend are handled here. */
function techniqueKind(spec: TechniqueSpec): NeuralJobKind {
  return {
    name: spec.name,
    initBackend: (preferred) => initBackend(preferred),
    summary: spec.summary,
    input: spec.needsImage ? 'matrix' : 'none',
    modelParam: 'model',
    imageParams: spec.imageParams,
    prepare(params, input) {
      rejectUnknownParams(spec.name, params, [...COMMON, ...(spec.needsImage ? COMMON_INPUT : []), ...spec.params]);
      if (params.model === undefined || params.model === '') {
        throw new InvalidParameterError('model', `${spec.name} needs a trained model: --set model=JOB_ID (a train-classifier job that succeeded) or model=ART_ID (an uploaded model)`);
      }
      const common: Record<string, unknown> = { model: String(params.model) };
      if (spec.needsImage) {
        if (!input) throw new InvalidParameterError('input', `${spec.name} needs an input image: --dataset NAME --set index=N, or --input ARTIFACT_ID (an uploaded picture or data set)`);
        common.index = integerParam(params, 'index', 0, 0, input.rows - 1);
        common.invert = booleanParam(params, 'invert', false);
      }
      return { ...common, ...spec.check(params) };
    },
    async run(context) {
      const subject = await loadSubject(context);
      await context.progress(0.05, `model loaded on ${subject.backend.name}`);
      try {
        const output = await spec.run(subject, context, context.params);
        for (const note of subject.notes) await context.log('info', `input: ${note}`);
        await context.progress(1, 'done');
        const notes = subject.notes.length > 0 ? { inputNotes: subject.notes } : {};
        return { backend: subject.backend.name, ...output, result: { ...output.result, ...notes, backend: subject.backend.name } };
      } finally {
        subject.model.dispose();
      }
    },
  };
}

const int = (params: Record<string, unknown>, name: string, fallback: number, min: number, max: number) => integerParam(params, name, fallback, min, max);
const given = (params: Record<string, unknown>, name: string) => params[name] !== undefined && params[name] !== '';
/** The checked value of an optional parameter, or nothing: the technique's own default applies. */
const optional = (params: Record<string, unknown>, name: string, read: () => unknown) => (given(params, name) ? { [name]: read() } : {});
const optionalNumber = (value: unknown) => (value === undefined ? undefined : Number(value));
const optionalClass = (params: Record<string, unknown>) => (params.class === undefined || params.class === '' ? {} : { class: int(params, 'class', 0, 0, 10_000) });

const filtersKind = techniqueKind({
  name: 'filters',
  summary: "a conv layer's weight filters as a grid (first layer by default)",
  needsImage: false,
  params: ['layer'],
  check: (p) => optional(p, 'layer', () => String(p.layer)),
  async run(subject, _context, params) {
    const r = filters(subject.model, layerParam(subject, params));
    try {
      return {
        result: { layer: r.layer, filters: r.filters, inChannels: r.inChannels, kernelSize: r.kernelSize, norms: r.norms, min: r.min, max: r.max },
        files: [pngFile('filters.png', mapGridPng(r.tiles, { labels: r.labels, signed: true, title: `${r.layer}: ${r.filters} filters` }), 'the filters as a grid'), npyFile('filters.npy', r.tiles, 'filters × height × width × channels')],
      };
    } finally {
      disposeResult(r);
    }
  },
});

const activationsKind = techniqueKind({
  name: 'activations',
  summary: "a layer's feature maps for one input (or, with gradients=true, their gradients) as a grid",
  needsImage: true,
  params: ['layer', 'gradients', 'class'],
  check: (p) => ({ ...optional(p, 'layer', () => String(p.layer)), gradients: booleanParam(p, 'gradients', false), ...optionalClass(p) }),
  async run(subject, context, params) {
    const { image, label } = inputImage(subject, context, Number(params.index), params.invert === true);
    try {
      const layer = layerParam(subject, params);
      if (params.gradients === true) {
        const r = activationGradients(subject.model, image, layer, classParam(subject, params.class, undefined));
        try {
          return {
            result: { layer: r.layer, classIndex: r.classIndex, score: r.score, channelWeights: r.channelWeights, label },
            files: [pngFile('activation-gradients.png', mapGridPng(mapsFirst(subject, r.maps), { signed: true, title: `∂ score(${r.classIndex}) / ∂ ${r.layer}` }), 'one tile per channel'), npyFile('activation-gradients.npy', r.maps, 'height × width × channels'), pngFile('input.png', rgbPng(image), 'the input')],
          };
        } finally {
          disposeResult(r);
        }
      }
      const r = activations(subject.model, image, layer);
      try {
        return {
          result: { layer: r.layer, channelMax: r.channelMax, channelMean: r.channelMean, silentChannels: r.silentChannels, label },
          files: [pngFile('activations.png', mapGridPng(mapsFirst(subject, r.maps), { title: `${r.layer} feature maps` }), 'one tile per channel'), npyFile('activations.npy', r.maps, 'height × width × channels'), pngFile('input.png', rgbPng(image), 'the input')],
        };
      } finally {
        disposeResult(r);
      }
    } finally {
      image.dispose();
    }
  },
});

const saliencyKind = techniqueKind({
  name: 'saliency',
  summary: 'Simonyan et al. 2014: |∂ score / ∂ input| as a heat map over the input',
  needsImage: true,
  params: ['class'],
  check: optionalClass,
  async run(subject, context, params) {
    const { image, label, labelName } = inputImage(subject, context, Number(params.index), params.invert === true);
    const r = saliency(subject.model, image, classParam(subject, params.class, undefined));
    try {
      return {
        result: { classIndex: r.classIndex, predictedClass: r.predictedClass, probability: r.probability, score: r.score, scoreKind: r.scoreKind, label, labelName, inkMass: r.inkMass },
        files: [
          ...heatMapFiles('saliency', image, r.map, { map: 'the saliency map', overlay: 'the map over the input' }),
          npyFile('saliency.npy', r.map, 'height × width'),
        ],
      };
    } finally {
      disposeResult(r);
      image.dispose();
    }
  },
});

const guidedKind = techniqueKind({
  name: 'guided-backprop',
  summary: 'Springenberg et al. 2015: gradients through ReLUs only where input and gradient are positive, for a class or one neuron of any layer',
  needsImage: true,
  params: ['class', 'layer', 'neuron'],
  check(p) {
    if ((p.layer === undefined) !== (p.neuron === undefined)) throw new InvalidParameterError(p.layer === undefined ? 'layer' : 'neuron', 'give layer and neuron together (a neuron of a layer), or class');
    return p.layer !== undefined ? { layer: String(p.layer), neuron: int(p, 'neuron', 0, 0, 1_000_000) } : optionalClass(p);
  },
  async run(subject, context, params) {
    const { image, label } = inputImage(subject, context, Number(params.index), params.invert === true);
    const target = params.layer !== undefined ? { layer: String(params.layer), neuron: Number(params.neuron) } : params.class !== undefined ? { classIndex: classParam(subject, params.class, 0) as number } : undefined;
    const r = guidedBackprop(subject.model, image, target);
    try {
      return {
        result: { target: r.target, reluLayers: r.reluLayers, inkMass: r.inkMass, label },
        files: [...heatMapFiles('guided-backprop', image, r.map, { map: 'the guided gradient', overlay: 'over the input' }), npyFile('guided-backprop.npy', r.gradient, 'height × width × channels')],
      };
    } finally {
      disposeResult(r);
      image.dispose();
    }
  },
});

const classModelKind = techniqueKind({
  name: 'class-model',
  summary: "optimization-based: the image that maximizes a class's score, from zeros or noise, with L2 regularization",
  needsImage: false,
  params: ['class', 'iterations', 'learningRate', 'l2', 'jitter', 'blur', 'from', 'seed'],
  check: (p) => ({
    class: int(p, 'class', 0, 0, 10_000),
    ...optional(p, 'iterations', () => int(p, 'iterations', 0, 1, 10_000)),
    ...optional(p, 'learningRate', () => numberParam(p, 'learningRate', 0, Number.MIN_VALUE, 1000)),
    ...optional(p, 'l2', () => numberParam(p, 'l2', 0, 0, 1000)),
    ...optional(p, 'jitter', () => int(p, 'jitter', 0, 0, 64)),
    ...optional(p, 'blur', () => numberParam(p, 'blur', 0, 0, 10)),
    ...optional(p, 'from', () => choiceParam(p, 'from', 'zeros', ['zeros', 'random'] as const)),
    ...optional(p, 'seed', () => int(p, 'seed', 0, 0, 2 ** 31 - 1)),
  }),
  async run(subject, context, params) {
    const r = await classModel(subject.model, classParam(subject, params.class, 0) as number, {
      iterations: optionalNumber(params.iterations),
      learningRate: optionalNumber(params.learningRate),
      l2: optionalNumber(params.l2),
      jitter: optionalNumber(params.jitter),
      blur: optionalNumber(params.blur),
      from: params.from as 'zeros' | 'random' | undefined,
      seed: optionalNumber(params.seed),
      signal: context.signal,
      onProgress: (p) => context.progress(0.05 + (0.9 * p.iteration) / p.iterations, `iteration ${p.iteration}/${p.iterations}, logit ${p.logit.toFixed(3)}`),
    });
    try {
      return {
        result: { classIndex: r.classIndex, logitBefore: r.logitBefore, logitAfter: r.logitAfter, factor: r.factor, probabilityBefore: r.probabilityBefore, probabilityAfter: r.probabilityAfter, history: r.history },
        files: [pngFile('class-model.png', rgbPng(r.image), `the image class ${r.classIndex} scores highest on`), npyFile('class-model.npy', r.image, 'height × width × channels')],
      };
    } finally {
      disposeResult(r);
    }
  },
});

const deepDreamKind = techniqueKind({
  name: 'deep-dream',
  summary: "gradient ascent on ½‖a‖² of a layer's activations, over octaves",
  needsImage: true,
  params: ['layer', 'iterations', 'stepSize', 'octaves', 'octaveScale'],
  check: (p) => ({
    ...optional(p, 'layer', () => String(p.layer)),
    ...optional(p, 'iterations', () => int(p, 'iterations', 0, 1, 10_000)),
    ...optional(p, 'stepSize', () => numberParam(p, 'stepSize', 0, Number.MIN_VALUE, 10)),
    ...optional(p, 'octaves', () => int(p, 'octaves', 0, 1, 8)),
    ...optional(p, 'octaveScale', () => numberParam(p, 'octaveScale', 0, 1, 4)),
  }),
  async run(subject, context, params) {
    const { image } = inputImage(subject, context, Number(params.index), params.invert === true);
    const r = await deepDream(subject.model, image, {
      layer: params.layer === undefined ? undefined : String(params.layer),
      iterations: optionalNumber(params.iterations),
      stepSize: optionalNumber(params.stepSize),
      octaves: optionalNumber(params.octaves),
      octaveScale: optionalNumber(params.octaveScale),
      signal: context.signal,
      onProgress: (p) => context.progress(0.05 + 0.9 * ((p.octave - 1 + p.iteration / p.iterations) / p.octaves), `octave ${p.octave}/${p.octaves}, iteration ${p.iteration}, ½‖a‖² ${p.objective.toFixed(3)}`),
    });
    try {
      return {
        result: { layer: r.layer, objectiveBefore: r.objectiveBefore, objectiveAfter: r.objectiveAfter, sizes: r.sizes },
        files: [pngFile('deep-dream.png', rgbPng(r.image), 'the dreamed image'), pngFile('input.png', rgbPng(image), 'the input'), npyFile('deep-dream.npy', r.image, 'height × width × channels')],
      };
    } finally {
      disposeResult(r);
      image.dispose();
    }
  },
});

const styleKind = techniqueKind({
  name: 'neural-style',
  summary: 'Gatys et al.: the content of one image in the style (Gram matrices) of another',
  needsImage: true,
  params: ['style', 'styleIndex', 'contentLayer', 'styleLayers', 'alpha', 'beta', 'iterations', 'learningRate'],
  imageParams: ['style'],
  check: (p) => ({
    ...(given(p, 'style')
      ? { style: styleParam(p) }
      : { styleIndex: int(p, 'styleIndex', 1, 0, Number.MAX_SAFE_INTEGER) }),
    ...optional(p, 'contentLayer', () => String(p.contentLayer)),
    ...optional(p, 'styleLayers', () => String(p.styleLayers)),
    ...optional(p, 'alpha', () => numberParam(p, 'alpha', 0, 0, 1e9)),
    ...optional(p, 'beta', () => numberParam(p, 'beta', 0, 0, 1e12)),
    ...optional(p, 'iterations', () => int(p, 'iterations', 0, 1, 10_000)),
    ...optional(p, 'learningRate', () => numberParam(p, 'learningRate', 0, Number.MIN_VALUE, 10)),
  }),
  async run(subject, context, params) {
    const content = inputImage(subject, context, Number(params.index), params.invert === true).image;
    const style =
      params.style !== undefined
        ? await pictureParam(subject, context, 'style', String(params.style), params.invert === true)
        : inputImage(subject, context, Number(params.styleIndex), params.invert === true).image;
    const r = await neuralStyle(subject.model, content, style, {
      contentLayer: params.contentLayer === undefined ? undefined : String(params.contentLayer),
      styleLayers: params.styleLayers === undefined ? undefined : String(params.styleLayers).split(',').map((s) => s.trim()),
      alpha: optionalNumber(params.alpha),
      beta: optionalNumber(params.beta),
      iterations: optionalNumber(params.iterations),
      learningRate: optionalNumber(params.learningRate),
      signal: context.signal,
      onProgress: (p) => context.progress(0.05 + (0.9 * p.iteration) / p.iterations, `iteration ${p.iteration}/${p.iterations}: content ${p.content.toExponential(3)}, style ${p.style.toExponential(3)}`),
    });
    try {
      return {
        result: { contentLayer: r.contentLayer, styleLayers: r.styleLayers, alpha: r.alpha, beta: r.beta, styleReduction: r.styleReduction, history: r.history },
        files: [pngFile('neural-style.png', rgbPng(r.image), 'the result'), pngFile('content.png', rgbPng(content), 'the content image'), pngFile('style.png', rgbPng(style), 'the style image'), npyFile('neural-style.npy', r.image, 'height × width × channels')],
      };
    } finally {
      disposeResult(r);
      content.dispose();
      style.dispose();
    }
  },
});

const visualBackpropKind = techniqueKind({
  name: 'visualbackprop',
  summary: 'Bojarski et al. 2017: averaged feature maps multiplied from the deepest layer back to the input',
  needsImage: true,
  params: [],
  check: () => ({}),
  async run(subject, context, params) {
    const { image, label } = inputImage(subject, context, Number(params.index), params.invert === true);
    const r = visualBackprop(subject.model, image);
    try {
      return {
        result: { layers: r.layers, deconvolved: r.deconvolved, maskShape: r.mask.shape, inkMass: r.inkMass, label },
        files: [...heatMapFiles('visualbackprop', image, r.mask, { map: 'the mask', overlay: 'the mask over the input' }), npyFile('visualbackprop.npy', r.mask, 'height × width')],
      };
    } finally {
      disposeResult(r);
      image.dispose();
    }
  },
});

const adversarialKind = techniqueKind({
  name: 'adversarial',
  summary: 'Goodfellow et al. 2015 (FGSM): x + ε·sign(∇ₓ J); classes before and after, and the attack success rate on a batch',
  needsImage: true,
  params: ['epsilon', 'count', 'class'],
  check(p) {
    const epsilon = numberParam(p, 'epsilon', 0.1, -Infinity, Infinity);
    if (!(epsilon > 0 && epsilon <= 1)) throw new InvalidParameterError('epsilon', `epsilon must be in (0, 1] (pixels are in 0..1), not ${epsilon}`);
    return { epsilon, count: int(p, 'count', 100, 1, 10_000), ...optionalClass(p) };
  },
  async run(subject, context, params) {
    const { images, labels, count, trueClassFrom } = attackBatch(subject, context, params);
    const [h, w, c] = subject.imageShape;
    const r = fgsm(subject.model, images, labels, Number(params.epsilon));
    const shown = Math.min(count, 8);
    try {
      const first = (t: typeof images) => t.slice([0, 0, 0, 0], [shown, h, w, c]);
      const [orig, pert, adv] = [first(images), first(r.perturbation), first(r.adversarial)];
      const grid = subject.tf.concat([orig, pert, adv]);
      const png = mapGridPng(grid, {
        columns: shown,
        labels: [
          ...r.examples.slice(0, shown).map((e) => `${e.originalClass} (${Math.round(100 * e.originalConfidence)}%)`),
          ...r.examples.slice(0, shown).map(() => 'perturbation'),
          ...r.examples.slice(0, shown).map((e) => `${e.adversarialClass} (${Math.round(100 * e.adversarialConfidence)}%)`),
        ],
        title: `FGSM, ε = ${r.epsilon}: ${Math.round(100 * r.successRate)}% of correct predictions flipped`,
      });
      subject.tf.dispose([orig, pert, adv, grid]);
      return {
        result: { epsilon: r.epsilon, examples: r.examples.slice(0, 16), count, trueClassFrom, correct: r.correct, flipped: r.flipped, successRate: r.successRate, accuracyBefore: r.accuracyBefore, accuracyAfter: r.accuracyAfter },
        files: [pngFile('adversarial.png', png, 'originals, perturbations, adversarial images'), npyFile('adversarial.npy', r.adversarial, 'count × height × width × channels'), npyFile('perturbation.npy', r.perturbation, 'count × height × width × channels')],
      };
    } finally {
      disposeResult(r);
      images.dispose();
    }
  },
});

/**
 * The images FGSM attacks and the classes it pushes away from: `count` labelled rows from
 * `index`, or one picture (an uploaded one, or a row without a label) whose true class is
 * `class`, or else the model's own prediction, so the attack changes what the model says.
 */
function attackBatch(subject: Subject, context: JobContext, params: Record<string, unknown>): { images: Tf.Tensor4D; labels: Int32Array; count: number; trueClassFrom: 'labels' | 'class' | 'prediction' } {
  const input = context.input;
  if (!input) throw new InvalidParameterError('input', 'adversarial needs images: --dataset NAME --set index=N, or --input ARTIFACT_ID');
  const from = Number(params.index);
  const [h, w, c] = subject.imageShape;
  if (context.labels && !context.inputPicture && input.cols === h * w * c && params.class === undefined) {
    const count = Math.min(Number(params.count), input.rows - from);
    const images = subject.tf.tensor4d(Float32Array.from(input.data.subarray(from * input.cols, (from + count) * input.cols)), [count, h, w, c]);
    return { images, labels: context.labels.codes.slice(from, from + count), count, trueClassFrom: 'labels' };
  }
  const { image } = inputImage(subject, context, from, params.invert === true);
  const chosen = classParam(subject, params.class, undefined);
  if (chosen !== undefined) return { images: image, labels: Int32Array.of(chosen), count: 1, trueClassFrom: 'class' };
  const predicted = subject.tf.tidy(() => (subject.model.predict(image) as Tf.Tensor).argMax(-1).dataSync()[0]);
  subject.notes.push(`no label for this picture: the attack pushes away from the model's own prediction, class ${predicted} (give --set class=N to name the true class)`);
  return { images: image, labels: Int32Array.of(predicted), count: 1, trueClassFrom: 'prediction' };
}

/**
 * The layer a job names, or the model's first convolution: `conv1` in a model trained here,
 * `conv2d` or whatever a Keras model calls it in an uploaded one.
 */
function layerParam(subject: Subject, params: Record<string, unknown>): string {
  if (params.layer !== undefined) return String(params.layer);
  const first = subject.model.layers.find((layer) => layer.getClassName() === 'Conv2D');
  if (!first) throw new InvalidParameterError('layer', `the model has no convolution layer; name one of its layers with --set layer=NAME (${subject.layers.join(', ')})`);
  return first.name;
}

/** The style picture: an uploaded picture's artifact id (the gateway checks the rest). */
function styleParam(p: Record<string, unknown>): string {
  if (given(p, 'styleIndex')) throw new InvalidParameterError('style', 'give style (an uploaded picture) or styleIndex (a row of the input), not both');
  if (typeof p.style !== 'string') throw new InvalidParameterError('style', `style must be the id of an uploaded picture (art-…), not ${quoteInput(p.style)}`);
  return p.style.trim();
}

/** A heat map over the input as the gradient techniques show it: `STEM.png`, `STEM-overlay.png` and `input.png`. */
function heatMapFiles(stem: string, image: Tf.Tensor, map: Tf.Tensor, describe: { map: string; overlay: string }): OutputFile[] {
  return [pngFile(`${stem}.png`, heatMapPng(map), describe.map), pngFile(`${stem}-overlay.png`, heatMapOverlayPng(image, map), describe.overlay), pngFile('input.png', rgbPng(image), 'the input')];
}

/** [H, W, C] maps as [C, H, W] tiles for a grid. */
function mapsFirst(subject: Subject, maps: Tf.Tensor3D) {
  return subject.tf.transpose(maps, [2, 0, 1]);
}

export const VISUALIZATION_KINDS: readonly NeuralJobKind[] = [filtersKind, activationsKind, saliencyKind, guidedKind, classModelKind, deepDreamKind, styleKind, visualBackpropKind, adversarialKind];
