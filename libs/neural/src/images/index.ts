export { colorAt, colormapTable, COLORMAPS, type ColormapName } from './colormap';
export { decodeImage, type DecodedImage } from './decode-image';
export { MAX_IMAGE_PIXELS } from '@gpulab/compute';
export { fitImage, type FitImageOptions, type FittedImage } from './fit-image';
export { heatMapOverlayPng, type HeatMapOverlayOptions, heatMapPng, type HeatMapOptions } from './heat-map';
export { InvalidImageError, type InvalidImageCode } from '@gpulab/compute';
export { grayscalePng, IMAGE_TARGET_SIZE, type ImagePngOptions, rgbPng } from './image-png';
export { mapGridLayout, type MapGridLayout, mapGridPng, type MapGridOptions } from './map-grid';
export { type Normalization } from './pixels';
