import { InvalidInputError } from './errors';
import { type Matrix } from './matrix';

/** A tensor as a file format gives it: IDX names the dimensions `dims`, NumPy `shape`. */
export type Tensor = { dims: readonly number[]; data: Float64Array } | { shape: readonly number[]; data: Float64Array };

/**
 * One row per entry of the first dimension, the rest flattened into columns: 70,000 images of
 * 28 × 28 become 70,000 × 784, a vector of n values becomes n × 1. The matrix shares `data` with
 * the tensor rather than copying it, since a row-major tensor is already laid out that way.
 */
export function tensorToMatrix(tensor: Tensor): Matrix {
  const dims = 'dims' in tensor ? tensor.dims : tensor.shape;
  if (dims.length === 0) throw new InvalidInputError('MATRIX_SHAPE', 'the array is a single number (0 dimensions); a data set needs one row per sample');
  const rows = dims[0];
  const cols = dims.slice(1).reduce((a, b) => a * b, 1);
  if (rows * cols !== tensor.data.length) {
    throw new InvalidInputError('MATRIX_SHAPE', `the array's shape (${dims.join(', ')}) holds ${rows * cols} values, its data has ${tensor.data.length}`);
  }
  return { rows, cols, data: tensor.data };
}
