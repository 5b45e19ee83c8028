import { InvalidParameterError, type JobContext, readInteger, readNumber } from '@gpulab/compute';
import { mapGridPng } from '../../images';
import { disposeResult, fgsm } from '../../techniques';
import { type Tf } from '../../tfjs';
import { classParam, inputImage, npyFile, pngFile, type Subject } from '../subject';
import { classSpec, optionalClass, techniqueKind, type TechniqueParams } from './technique-kind';

const EPSILON = { name: 'epsilon', type: 'number', default: 0.1, min: 0, max: 1, meaning: 'the step ε in pixel units, in (0, 1]' } as const;
const COUNT = { name: 'count', type: 'integer', default: 100, min: 1, max: 10_000, meaning: 'labelled rows attacked from index' } as const;

interface AdversarialParams {
  epsilon: number;
  count: number;
  class?: number;
}

/** Goodfellow et al. 2015 (FGSM): x + ε·sign(∇ₓ J), with the attack's success rate on a batch. */
export const adversarialKind = techniqueKind<AdversarialParams>({
  name: 'adversarial',
  summary: 'Goodfellow et al. 2015 (FGSM): x + ε·sign(∇ₓ J); classes before and after, and the attack success rate on a batch',
  needsImage: true,
  params: [EPSILON, COUNT, classSpec("the row's label, or the predicted class", 'the true class of one picture')],
  compile(p) {
    // (0, 1] is half-open, which a table's inclusive range cannot say: checked here with its own sentence.
    const epsilon = readNumber(p, EPSILON, { min: -Infinity, max: Infinity });
    if (!(epsilon > 0 && epsilon <= 1)) throw new InvalidParameterError('epsilon', `epsilon must be in (0, 1] (pixels are in 0..1), not ${epsilon}`);
    return { epsilon, count: readInteger(p, COUNT), ...optionalClass(p) };
  },
  async run(subject, context, p) {
    const { images, labels, count, trueClassFrom } = attackBatch(subject, context, p);
    const [h, w, c] = subject.imageShape;
    const r = fgsm(subject.model, images, labels, p.epsilon);
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
function attackBatch(subject: Subject, context: JobContext, p: TechniqueParams & AdversarialParams): { images: Tf.Tensor4D; labels: Int32Array; count: number; trueClassFrom: 'labels' | 'class' | 'prediction' } {
  const input = context.input;
  if (!input) throw new InvalidParameterError('input', 'adversarial needs images: --dataset NAME --set index=N, or --input ARTIFACT_ID');
  const from = p.index;
  const [h, w, c] = subject.imageShape;
  if (context.labels && !context.inputPicture && input.cols === h * w * c && p.class === undefined) {
    const count = Math.min(p.count, input.rows - from);
    const images = subject.tf.tensor4d(Float32Array.from(input.data.subarray(from * input.cols, (from + count) * input.cols)), [count, h, w, c]);
    return { images, labels: context.labels.codes.slice(from, from + count), count, trueClassFrom: 'labels' };
  }
  const { image } = inputImage(subject, context, from, p.invert);
  const chosen = classParam(subject, p.class, undefined);
  if (chosen !== undefined) return { images: image, labels: Int32Array.of(chosen), count: 1, trueClassFrom: 'class' };
  const predicted = subject.tf.tidy(() => (subject.model.predict(image) as Tf.Tensor).argMax(-1).dataSync()[0]);
  subject.notes.push(`no label for this picture: the attack pushes away from the model's own prediction, class ${predicted} (give --set class=N to name the true class)`);
  return { images: image, labels: Int32Array.of(predicted), count: 1, trueClassFrom: 'prediction' };
}
