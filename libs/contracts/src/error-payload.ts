import { type ErrorCode } from './error-codes';
import { type ErrorMetadata, type ErrorReason } from './error-reasons';

/** A refusal as it crosses a process boundary: its code, its sentence and the rule behind it. */
export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  /** Which rule refused (see `ErrorReasons`); absent from older schedulers. */
  reason?: ErrorReason;
  /** The refusal's subject, e.g. `{ team, slot }`. */
  metadata?: ErrorMetadata;
}
