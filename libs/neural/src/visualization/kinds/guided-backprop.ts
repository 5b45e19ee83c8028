import { InvalidParameterError, readInteger } from '@gpulab/compute';
import { disposeResult, guidedBackprop } from '../../techniques';
import { classParam, inputImage, npyFile } from '../subject';
import { heatMapFiles } from './technique-files';
import { classSpec, optionalClass, techniqueKind } from './technique-kind';

const NEURON = { name: 'neuron', type: 'integer', default: '(with layer)', min: 0, max: 1_000_000, meaning: 'a neuron (channel) of layer whose gradient is set to 1' } as const;

/** Springenberg et al. 2015: gradients through ReLUs only where input and gradient are positive. */
export const guidedBackpropKind = techniqueKind<{ class?: number; layer?: string; neuron?: number }>({
  name: 'guided-backprop',
  summary: 'Springenberg et al. 2015: gradients through ReLUs only where input and gradient are positive, for a class or one neuron of any layer',
  needsImage: true,
  params: [classSpec('the predicted class'), { name: 'layer', type: 'string', default: '(with neuron)', meaning: 'the layer of the neuron explained, instead of a class' }, NEURON],
  compile(p) {
    if ((p.layer === undefined) !== (p.neuron === undefined)) throw new InvalidParameterError(p.layer === undefined ? 'layer' : 'neuron', 'give layer and neuron together (a neuron of a layer), or class');
    return p.layer !== undefined ? { layer: String(p.layer), neuron: readInteger(p, NEURON, { fallback: 0 }) } : optionalClass(p);
  },
  async run(subject, context, p) {
    const { image, label } = inputImage(subject, context, p.index, p.invert);
    const target = p.layer !== undefined ? { layer: p.layer, neuron: Number(p.neuron) } : p.class !== undefined ? { classIndex: classParam(subject, p.class, 0) as number } : undefined;
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
