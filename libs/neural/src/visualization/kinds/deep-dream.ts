import { readInteger, readNumber } from '@gpulab/compute';
import { rgbPng } from '../../images';
import { deepDream, disposeResult } from '../../techniques';
import { inputImage, npyFile, pngFile } from '../subject';
import { optional, techniqueKind } from './technique-kind';

const ITERATIONS = { name: 'iterations', type: 'integer', default: 20, min: 1, max: 10_000, meaning: 'gradient-ascent steps per octave' } as const;
const STEP_SIZE = { name: 'stepSize', type: 'number', default: 0.02, min: Number.MIN_VALUE, max: 10, meaning: 'step as a share of the pixel range' } as const;
const OCTAVES = { name: 'octaves', type: 'integer', default: 3, min: 1, max: 8, meaning: 'scales, the smallest first' } as const;
const OCTAVE_SCALE = { name: 'octaveScale', type: 'number', default: 1.4, min: 1, max: 4, meaning: 'how much larger each octave is' } as const;

/** Gradient ascent on ½‖a‖² of a layer's activations, over octaves. */
export const deepDreamKind = techniqueKind({
  name: 'deep-dream',
  summary: "gradient ascent on ½‖a‖² of a layer's activations, over octaves",
  needsImage: true,
  params: [{ name: 'layer', type: 'string', default: 'the deepest ReLU layer with feature maps', meaning: 'the layer whose activations are amplified' }, ITERATIONS, STEP_SIZE, OCTAVES, OCTAVE_SCALE],
  compile: (p) => ({
    ...optional(p, 'layer', () => String(p.layer)),
    ...optional(p, 'iterations', () => readInteger(p, ITERATIONS)),
    ...optional(p, 'stepSize', () => readNumber(p, STEP_SIZE)),
    ...optional(p, 'octaves', () => readInteger(p, OCTAVES)),
    ...optional(p, 'octaveScale', () => readNumber(p, OCTAVE_SCALE)),
  }),
  async run(subject, context, p) {
    const { image } = inputImage(subject, context, p.index, p.invert);
    const r = await deepDream(subject.model, image, {
      layer: p.layer,
      iterations: p.iterations,
      stepSize: p.stepSize,
      octaves: p.octaves,
      octaveScale: p.octaveScale,
      signal: context.signal,
      onProgress: (progressed) =>
        context.progress(0.05 + 0.9 * ((progressed.octave - 1 + progressed.iteration / progressed.iterations) / progressed.octaves), `octave ${progressed.octave}/${progressed.octaves}, iteration ${progressed.iteration}, ½‖a‖² ${progressed.objective.toFixed(3)}`),
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
