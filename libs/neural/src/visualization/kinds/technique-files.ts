import { type OutputFile } from '@gpulab/compute';
import { heatMapOverlayPng, heatMapPng, rgbPng } from '../../images';
import { type Tf } from '../../tfjs';
import { pngFile, type Subject } from '../subject';

/** A heat map over the input as the gradient techniques show it: `STEM.png`, `STEM-overlay.png` and `input.png`. */
export function heatMapFiles(stem: string, image: Tf.Tensor, map: Tf.Tensor, describe: { map: string; overlay: string }): OutputFile[] {
  return [pngFile(`${stem}.png`, heatMapPng(map), describe.map), pngFile(`${stem}-overlay.png`, heatMapOverlayPng(image, map), describe.overlay), pngFile('input.png', rgbPng(image), 'the input')];
}

/** [H, W, C] maps as [C, H, W] tiles for a grid. */
export function mapsFirst(subject: Subject, maps: Tf.Tensor3D): Tf.Tensor3D {
  return subject.tf.transpose(maps, [2, 0, 1]);
}
