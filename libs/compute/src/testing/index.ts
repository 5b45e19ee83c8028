/** Data builders for the tests of other packages (neural's t-SNE compares itself with compute's). */
export { blobs, relativeError } from './clusters';
export { idxFile } from './idx-file';
export { randomMatrix } from './random-matrix';
