/**
 * Colour scales for maps: `gray` for images and activations, `viridis` and `inferno`
 * (perceptually uniform: equal steps in value look like equal steps in colour, and they stay
 * readable in grayscale and to most colour-blind viewers) for heat maps, `diverging` (blue,
 * white, red) for signed values such as weights and gradients, where 0 must look neutral.
 */
export const COLORMAPS = ['gray', 'viridis', 'inferno', 'diverging'] as const;
export type ColormapName = (typeof COLORMAPS)[number];

/** Evenly spaced stops, interpolated linearly; viridis and inferno are matplotlib's at tenths of the scale. */
const STOPS: Record<ColormapName, readonly string[]> = {
  gray: ['#000000', '#ffffff'],
  viridis: ['#440154', '#482878', '#3e4a89', '#31688e', '#26828e', '#1f9e89', '#35b779', '#6dcd59', '#b4de2c', '#fde725'],
  inferno: ['#000004', '#1b0c42', '#4b0c6b', '#781c6d', '#a52c60', '#cf4446', '#ed6925', '#fb9a06', '#f7d03c', '#fcffa4'],
  // ColorBrewer's RdBu, reversed so that negative is blue.
  diverging: ['#2166ac', '#67a9cf', '#d1e5f0', '#f7f7f7', '#fddbc7', '#ef8a62', '#b2182b'],
};

const tables = new Map<ColormapName, Uint8Array>();

/** 256 RGB triples, the colour of t = i / 255 at 3i. */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = tables.get(name);
  if (!table) {
    const stops = STOPS[name].map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
    table = new Uint8Array(256 * 3);
    for (let i = 0; i < 256; i++) {
      const at = (i / 255) * (stops.length - 1);
      const k = Math.min(Math.floor(at), stops.length - 2);
      const f = at - k;
      for (let c = 0; c < 3; c++) table[i * 3 + c] = Math.round(stops[k][c] + (stops[k + 1][c] - stops[k][c]) * f);
    }
    tables.set(name, table);
  }
  return table;
}

/** The colour of t in 0..1 (clamped; NaN counts as 0). */
export function colorAt(name: ColormapName, t: number): [number, number, number] {
  const table = colormapTable(name);
  const i = Math.round(Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t)) * 255) * 3;
  return [table[i], table[i + 1], table[i + 2]];
}
