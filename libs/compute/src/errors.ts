/**
 * Errors of the compute core. None is worth a retry: the same input fails the same way, so
 * `retryable` is false throughout and callers can report the message instead of trying again.
 */
export class ComputeError extends Error {
  readonly retryable: boolean = false;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export type InvalidInputCode =
  | 'CSV_EMPTY'
  | 'CSV_RAGGED'
  | 'CSV_NOT_NUMERIC'
  | 'CSV_LINE_TOO_LONG'
  | 'DATA_NOT_FINITE'
  | 'TOO_FEW_ROWS'
  | 'NOT_SQUARE'
  | 'MATRIX_SHAPE'
  | 'IDX_FORMAT'
  | 'NPY_FORMAT'
  | 'LABELS_NOT_CATEGORICAL'
  | 'LABELS_MISSING'
  | 'MODEL_FORMAT';

export interface InvalidInputErrorOptions {
  /** 1-based, as the file numbers its lines (header and blank lines counted). */
  row?: number;
  /** 1-based. */
  column?: number;
  cause?: unknown;
}

/** The data cannot be used; `row` and `column` say where, when one place is to blame. */
export class InvalidInputError extends ComputeError {
  declare readonly code: InvalidInputCode;
  readonly row?: number;
  readonly column?: number;
  constructor(code: InvalidInputCode, message: string, options: InvalidInputErrorOptions = {}) {
    super(code, message, { cause: options.cause });
    this.row = options.row;
    this.column = options.column;
  }
}

/** A parameter (of a call or a job) is missing, unknown or out of range. */
export class InvalidParameterError extends ComputeError {
  declare readonly code: 'INVALID_PARAMETER';
  constructor(
    readonly parameter: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('INVALID_PARAMETER', message, options);
  }
}

/**
 * The QL iteration did not settle. It converges for every finite symmetric matrix in theory, so
 * this guards against an endless loop on pathological rounding rather than an expected outcome.
 */
export class ConvergenceError extends ComputeError {
  declare readonly code: 'EIGEN_NO_CONVERGENCE';
  constructor(
    /** 0-based index of the eigenvalue that did not converge. */
    readonly index: number,
    readonly iterations: number,
  ) {
    super(
      'EIGEN_NO_CONVERGENCE',
      `the eigenvalue computation did not converge (eigenvalue ${index + 1} after ${iterations} iterations)`,
    );
  }
}
