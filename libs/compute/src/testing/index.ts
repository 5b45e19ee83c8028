/** Data builders for the tests of other packages (neural's t-SNE compares itself with compute's). */
export { blobs, relativeError } from './clusters';
export { idxFile } from './idx-file';
export { randomMatrix } from './random-matrix';
// t-SNE's exact reference pieces, which an accelerated t-SNE is checked against.
export { denseAffinities, sparseAffinities, squaredDistanceMatrix, type SparseAffinities } from '../tsne/affinities';
export { ExactRepulsion, type Repulsion } from '../tsne/forces';
export { gradient as tsneGradient } from '../tsne/tsne';
// The FFT grid convolution of t-SNE's repulsion, which the bench times.
export { FFT_SIZES, GridConvolution, loadFft, squaredCauchy } from '../tsne/grid-convolution';
