import { escapeXml, renderPng, svgDocument } from '@gpulab/charts';
import { InvalidParameterError } from '@gpulab/compute';
import { type Tf } from '../tfjs';
import { type ColormapName } from './colormap';
import { normalize, pickScale, readTiles, toRaster } from './pixels';
import { blankRaster, blit, encodePng, type Raster, upscaleNearest } from './raster';

export interface MapGridOptions {
  /** Tiles per row. @default the smallest count that makes the grid about as wide as high */
  columns?: number;
  /** Each map pixel becomes scale × scale pixels (nearest). @default about 112 pixels a tile: 4 for 28 × 28 maps, 37 for 3 × 3 filters */
  scale?: number;
  /**
   * `tile`: each tile is stretched to full contrast on its own (what each map looks like);
   * `grid`: one scale for all (which maps are strong). @default 'tile'
   */
  normalize?: 'tile' | 'grid';
  /** Signed values (weights, gradients): 0 in the middle of the scale, ± its ends. @default false */
  signed?: boolean;
  /** @default 'diverging' when signed, else 'gray'; RGB tiles keep their colours */
  colormap?: ColormapName;
  /** A label under each tile, e.g. the channel number. */
  labels?: readonly string[];
  title?: string;
  /** Pixels between tiles and around the grid. @default 4 */
  gap?: number;
}

/** The pixel size and places of a grid, computed before anything is drawn. */
export interface MapGridLayout {
  width: number;
  height: number;
  columns: number;
  rows: number;
  tileWidth: number;
  tileHeight: number;
  /** Top left corner of each tile. */
  tiles: { x: number; y: number }[];
}

const TILE_TARGET_SIZE = 112;
const LABEL_BAND = 20;
const TITLE_BAND = 40;

/**
 * Maps or filters side by side as one PNG: [N, H, W] or [N, H, W, 1 or 3]. Labels and a title
 * are drawn with the charts' fonts; without them the picture is assembled pixel by pixel.
 */
export function mapGridPng(tiles: Tf.Tensor, options: MapGridOptions = {}): Uint8Array {
  const pixels = readTiles(tiles);
  if (options.labels && options.labels.length !== pixels.count) {
    throw new InvalidParameterError('labels', `there are ${pixels.count} tiles but ${options.labels.length} labels`);
  }
  const layout = mapGridLayout(pixels.count, pixels.height, pixels.width, options);
  const colormap = options.colormap ?? (options.signed ? 'diverging' : 'gray');
  const mode = options.signed ? 'symmetric' : 'minmax';
  const perTile = pixels.height * pixels.width * pixels.channels;
  const levels = options.normalize === 'grid' ? normalize(pixels.data, mode) : new Float32Array(pixels.data.length);
  if (options.normalize !== 'grid') {
    for (let t = 0; t < pixels.count; t++) levels.set(normalize(pixels.data.subarray(t * perTile, (t + 1) * perTile), mode), t * perTile);
  }
  const scale = layout.tileWidth / pixels.width;
  const canvas = blankRaster(layout.width, layout.height);
  layout.tiles.forEach(({ x, y }, t) => blit(upscaleNearest(toRaster(pixels, t, levels, colormap), scale), canvas, x, y));
  if (!options.labels && !options.title) return encodePng(canvas);
  return withText(canvas, layout, options);
}

/** Where {@link mapGridPng} puts `count` tiles of height × width. */
export function mapGridLayout(count: number, height: number, width: number, options: MapGridOptions = {}): MapGridLayout {
  if (!Number.isInteger(count) || count < 1) throw new InvalidParameterError('tiles', `a grid needs at least one tile, not ${count}`);
  const scale = pickScale(options.scale, height, width, TILE_TARGET_SIZE);
  const columns = options.columns ?? Math.ceil(Math.sqrt(count));
  if (!Number.isInteger(columns) || columns < 1) throw new InvalidParameterError('columns', `columns must be a whole number from 1, not ${columns}`);
  const gap = options.gap ?? 4;
  if (!Number.isInteger(gap) || gap < 0 || gap > 100) throw new InvalidParameterError('gap', `gap must be a whole number from 0 to 100, not ${gap}`);
  const rows = Math.ceil(count / columns);
  const tileWidth = width * scale;
  const tileHeight = height * scale;
  const label = options.labels ? LABEL_BAND : 0;
  const top = options.title ? TITLE_BAND : 0;
  const tiles = Array.from({ length: count }, (_, t) => ({
    x: gap + (t % columns) * (tileWidth + gap),
    y: top + gap + Math.floor(t / columns) * (tileHeight + label + gap),
  }));
  return {
    width: gap + columns * (tileWidth + gap),
    height: top + gap + rows * (tileHeight + label + gap),
    columns,
    rows,
    tileWidth,
    tileHeight,
    tiles,
  };
}

/** The grid as an embedded image under an SVG with the labels and title, rendered at 1:1 so no pixel is resampled. */
function withText(canvas: Raster, layout: MapGridLayout, options: MapGridOptions): Uint8Array {
  const href = `data:image/png;base64,${Buffer.from(encodePng(canvas)).toString('base64')}`;
  const body = [`<image x="0" y="0" width="${canvas.width}" height="${canvas.height}" href="${href}" image-rendering="optimizeSpeed"/>`];
  if (options.title) {
    // Shrunk to fit a narrow grid: DejaVu Sans Bold averages about 0.65 em a character.
    const size = Math.max(8, Math.min(20, Math.floor((canvas.width - 8) / (0.65 * options.title.length))));
    body.push(`<text x="${canvas.width / 2}" y="27" font-size="${size}" font-weight="bold" text-anchor="middle">${escapeXml(options.title)}</text>`);
  }
  options.labels?.forEach((text, t) => {
    const { x, y } = layout.tiles[t];
    body.push(`<text x="${x + layout.tileWidth / 2}" y="${y + layout.tileHeight + 15}" font-size="13" text-anchor="middle" fill="#333333">${escapeXml(text)}</text>`);
  });
  return renderPng(svgDocument(canvas.width, canvas.height, body));
}
