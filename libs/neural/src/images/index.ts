export { colorAt, colormapTable, COLORMAPS, type ColormapName } from './colormap';
export { decodeImage, type DecodedImage, MAX_IMAGE_PIXELS } from './decode-image';
export { fitImage, type FitImageOptions, type FittedImage } from './fit-image';
export { heatMapOverlayPng, type HeatMapOverlayOptions, heatMapPng, type HeatMapOptions } from './heat-map';
export { InvalidImageError, type InvalidImageCode } from './image-errors';
export { grayscalePng, IMAGE_TARGET_SIZE, type ImagePngOptions, rgbPng } from './image-png';
export { mapGridLayout, type MapGridLayout, mapGridPng, type MapGridOptions } from './map-grid';
export { type Normalization } from './pixels';
