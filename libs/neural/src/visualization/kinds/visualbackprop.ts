import { disposeResult, visualBackprop } from '../../techniques';
import { inputImage, npyFile } from '../subject';
import { heatMapFiles } from './technique-files';
import { techniqueKind } from './technique-kind';

/** Bojarski et al. 2017: averaged feature maps multiplied from the deepest layer back to the input. */
export const visualBackpropKind = techniqueKind({
  name: 'visualbackprop',
  summary: 'Bojarski et al. 2017: averaged feature maps multiplied from the deepest layer back to the input',
  needsImage: true,
  params: [],
  compile: () => ({}),
  async run(subject, context, p) {
    const { image, label } = inputImage(subject, context, p.index, p.invert);
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
