import { readBoolean } from '@gpulab/compute';
import { mapGridPng, rgbPng } from '../../images';
import { activationGradients, activations, disposeResult } from '../../techniques';
import { chosenLayer, classParam, inputImage, npyFile, pngFile } from '../subject';
import { mapsFirst } from './technique-files';
import { classSpec, optional, optionalClass, techniqueKind } from './technique-kind';

const GRADIENTS = { name: 'gradients', type: 'boolean', default: false, meaning: 'show ∂ score / ∂ maps instead of the maps' } as const;

/** A layer's feature maps for one input, or their gradients. */
export const activationsKind = techniqueKind({
  name: 'activations',
  summary: "a layer's feature maps for one input (or, with gradients=true, their gradients) as a grid",
  needsImage: true,
  params: [{ name: 'layer', type: 'string', default: 'the first convolution', meaning: 'the layer whose maps are shown' }, GRADIENTS, classSpec('the predicted class', 'the class whose score the gradients are of')],
  compile: (p) => ({ ...optional(p, 'layer', () => String(p.layer)), gradients: readBoolean(p, GRADIENTS), ...optionalClass(p) }),
  async run(subject, context, p) {
    const { image, label } = inputImage(subject, context, p.index, p.invert);
    try {
      const layer = chosenLayer(subject, p.layer);
      if (p.gradients) {
        const r = activationGradients(subject.model, image, layer, classParam(subject, p.class, undefined));
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
