import { InvalidParameterError, isGiven, readInteger, readNumber } from '@gpulab/compute';
import { quoteInput } from '@gpulab/contracts';
import { rgbPng } from '../../images';
import { disposeResult, neuralStyle } from '../../techniques';
import { inputImage, npyFile, pictureParam, pngFile } from '../subject';
import { optional, techniqueKind } from './technique-kind';

const STYLE_INDEX = { name: 'styleIndex', type: 'integer', default: 1, min: 0, meaning: 'the row of the input whose style is taken, without style' } as const;
const ALPHA = { name: 'alpha', type: 'number', default: 1, min: 0, max: 1e9, meaning: 'weight of the content loss' } as const;
const BETA = { name: 'beta', type: 'number', default: 1_000_000, min: 0, max: 1e12, meaning: 'weight of the style loss' } as const;
const ITERATIONS = { name: 'iterations', type: 'integer', default: 200, min: 1, max: 10_000, meaning: 'Adam steps' } as const;
const LEARNING_RATE = { name: 'learningRate', type: 'number', default: 0.02, min: Number.MIN_VALUE, max: 10, meaning: "Adam's step size, in units of the pixel range" } as const;

interface NeuralStyleParams {
  /** An uploaded picture's artifact id; else `styleIndex`, a row of the input. */
  style?: string;
  styleIndex?: number;
  contentLayer?: string;
  styleLayers?: string;
  alpha?: number;
  beta?: number;
  iterations?: number;
  learningRate?: number;
}

/** Gatys et al.: the content of one image in the style (Gram matrices) of another. */
export const neuralStyleKind = techniqueKind<NeuralStyleParams>({
  name: 'neural-style',
  summary: 'Gatys et al.: the content of one image in the style (Gram matrices) of another',
  needsImage: true,
  params: [
    { name: 'style', type: 'artifact', default: '(or styleIndex)', meaning: 'an uploaded picture (art-…) whose style is taken' },
    STYLE_INDEX,
    { name: 'contentLayer', type: 'string', default: 'the deepest ReLU layer with feature maps', meaning: 'the layer whose maps the content loss compares' },
    { name: 'styleLayers', type: 'list', default: 'every ReLU layer with feature maps', meaning: 'the layers whose Gram matrices the style loss compares, comma-separated' },
    ALPHA,
    BETA,
    ITERATIONS,
    LEARNING_RATE,
  ],
  imageParams: ['style'],
  compile: (p) => ({
    ...(isGiven(p, 'style') ? { style: styleParam(p) } : { styleIndex: readInteger(p, STYLE_INDEX) }),
    ...optional(p, 'contentLayer', () => String(p.contentLayer)),
    ...optional(p, 'styleLayers', () => String(p.styleLayers)),
    ...optional(p, 'alpha', () => readNumber(p, ALPHA)),
    ...optional(p, 'beta', () => readNumber(p, BETA)),
    ...optional(p, 'iterations', () => readInteger(p, ITERATIONS)),
    ...optional(p, 'learningRate', () => readNumber(p, LEARNING_RATE)),
  }),
  async run(subject, context, p) {
    const content = inputImage(subject, context, p.index, p.invert).image;
    const style = p.style !== undefined ? await pictureParam(subject, context, 'style', p.style, p.invert) : inputImage(subject, context, Number(p.styleIndex), p.invert).image;
    const r = await neuralStyle(subject.model, content, style, {
      contentLayer: p.contentLayer,
      styleLayers: p.styleLayers?.split(',').map((s) => s.trim()),
      alpha: p.alpha,
      beta: p.beta,
      iterations: p.iterations,
      learningRate: p.learningRate,
      signal: context.signal,
      onProgress: (progressed) => context.progress(0.05 + (0.9 * progressed.iteration) / progressed.iterations, `iteration ${progressed.iteration}/${progressed.iterations}: content ${progressed.content.toExponential(3)}, style ${progressed.style.toExponential(3)}`),
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

/** The style picture: an uploaded picture's artifact id (the gateway checks the rest). */
function styleParam(p: Record<string, unknown>): string {
  if (isGiven(p, 'styleIndex')) throw new InvalidParameterError('style', 'give style (an uploaded picture) or styleIndex (a row of the input), not both');
  if (typeof p.style !== 'string') throw new InvalidParameterError('style', `style must be the id of an uploaded picture (art-…), not ${quoteInput(p.style)}`);
  return p.style.trim();
}
