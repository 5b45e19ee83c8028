import { readChoice, readInteger, readNumber } from '@gpulab/compute';
import { rgbPng } from '../../images';
import { classModel, disposeResult } from '../../techniques';
import { classParam, npyFile, pngFile } from '../subject';
import { classSpec, optional, techniqueKind } from './technique-kind';

const CLASS = classSpec(0, 'the class whose image is sought');
const ITERATIONS = { name: 'iterations', type: 'integer', default: 200, min: 1, max: 10_000, meaning: 'gradient-ascent steps' } as const;
const LEARNING_RATE = { name: 'learningRate', type: 'number', default: 1, min: Number.MIN_VALUE, max: 1000, meaning: 'step size' } as const;
const L2 = { name: 'l2', type: 'number', default: 0.05, min: 0, max: 1000, meaning: 'λ of the L2 penalty λ‖x‖²' } as const;
const JITTER = { name: 'jitter', type: 'integer', default: 1, min: 0, max: 64, meaning: 'largest random shift in pixels before each step' } as const;
const BLUR = { name: 'blur', type: 'number', default: 0.5, min: 0, max: 10, meaning: 'σ in pixels of a Gaussian blur every 10 steps (0: none)' } as const;
const FROM = { name: 'from', type: 'enum', values: ['zeros', 'random'], default: 'zeros', meaning: 'the starting image' } as const;
const SEED = { name: 'seed', type: 'integer', default: 0, min: 0, max: 2 ** 31 - 1, meaning: 'seeds the noise and the jitter' } as const;

/** The image a class scores highest on, by gradient ascent with L2 regularization; needs no input. */
export const classModelKind = techniqueKind({
  name: 'class-model',
  summary: "optimization-based: the image that maximizes a class's score, from zeros or noise, with L2 regularization",
  needsImage: false,
  params: [CLASS, ITERATIONS, LEARNING_RATE, L2, JITTER, BLUR, FROM, SEED],
  // Unset values stay unset: the technique's own defaults (the table shows them) apply.
  compile: (p) => ({
    class: readInteger(p, CLASS),
    ...optional(p, 'iterations', () => readInteger(p, ITERATIONS)),
    ...optional(p, 'learningRate', () => readNumber(p, LEARNING_RATE)),
    ...optional(p, 'l2', () => readNumber(p, L2)),
    ...optional(p, 'jitter', () => readInteger(p, JITTER)),
    ...optional(p, 'blur', () => readNumber(p, BLUR)),
    ...optional(p, 'from', () => readChoice(p, FROM)),
    ...optional(p, 'seed', () => readInteger(p, SEED)),
  }),
  async run(subject, context, p) {
    const r = await classModel(subject.model, classParam(subject, p.class, 0) as number, {
      iterations: p.iterations,
      learningRate: p.learningRate,
      l2: p.l2,
      jitter: p.jitter,
      blur: p.blur,
      from: p.from,
      seed: p.seed,
      signal: context.signal,
      onProgress: (progressed) => context.progress(0.05 + (0.9 * progressed.iteration) / progressed.iterations, `iteration ${progressed.iteration}/${progressed.iterations}, logit ${progressed.logit.toFixed(3)}`),
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
