import { ComputeError } from '@gpulab/compute';

export type InvalidImageCode = 'IMAGE_FORMAT' | 'IMAGE_TOO_LARGE';

/**
 * An uploaded picture cannot be read: not a PNG or JPEG, damaged, or larger than a worker
 * should decode. Never worth a retry: the same bytes fail the same way.
 */
export class InvalidImageError extends ComputeError {
  declare readonly code: InvalidImageCode;
  constructor(code: InvalidImageCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
