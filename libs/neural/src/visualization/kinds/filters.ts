import { mapGridPng } from '../../images';
import { disposeResult, filters } from '../../techniques';
import { chosenLayer, npyFile, pngFile } from '../subject';
import { optional, techniqueKind } from './technique-kind';

/** A conv layer's weights as a grid; needs no input. */
export const filtersKind = techniqueKind({
  name: 'filters',
  summary: "a conv layer's weight filters as a grid (first layer by default)",
  needsImage: false,
  params: [{ name: 'layer', type: 'string', default: 'the first convolution', meaning: 'the conv layer whose filters are shown' }],
  compile: (p) => optional(p, 'layer', () => String(p.layer)),
  async run(subject, _context, p) {
    const r = filters(subject.model, chosenLayer(subject, p.layer));
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
