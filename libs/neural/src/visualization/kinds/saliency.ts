import { disposeResult, saliency } from '../../techniques';
import { classParam, inputImage, npyFile } from '../subject';
import { heatMapFiles } from './technique-files';
import { classSpec, optionalClass, techniqueKind } from './technique-kind';

/** Simonyan et al. 2014: the gradient of a class score with respect to the input. */
export const saliencyKind = techniqueKind({
  name: 'saliency',
  summary: 'Simonyan et al. 2014: |∂ score / ∂ input| as a heat map over the input',
  needsImage: true,
  params: [classSpec('the predicted class')],
  compile: optionalClass,
  async run(subject, context, p) {
    const { image, label, labelName } = inputImage(subject, context, p.index, p.invert);
    const r = saliency(subject.model, image, classParam(subject, p.class, undefined));
    try {
      return {
        result: { classIndex: r.classIndex, predictedClass: r.predictedClass, probability: r.probability, score: r.score, scoreKind: r.scoreKind, label, labelName, inkMass: r.inkMass },
        files: [...heatMapFiles('saliency', image, r.map, { map: 'the saliency map', overlay: 'the map over the input' }), npyFile('saliency.npy', r.map, 'height × width')],
      };
    } finally {
      disposeResult(r);
      image.dispose();
    }
  },
});
