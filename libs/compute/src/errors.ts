/** Errors of the compute core. None is worth a retry: the same input fails the same way. */
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

/** The data cannot be used; `row` and `column` (1-based, as in the file) say where. */
export class InvalidInputError extends ComputeError {
  constructor(
    code: 'CSV_EMPTY' | 'CSV_RAGGED' | 'CSV_NOT_NUMERIC' | 'DATA_NOT_FINITE' | 'TOO_FEW_ROWS',
    message: string,
    readonly row?: number,
    readonly column?: number,
  ) {
    super(code, message);
  }
}

/** A job parameter is missing, unknown or out of range. */
export class InvalidParameterError extends ComputeError {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super('INVALID_PARAMETER', message);
  }
}
