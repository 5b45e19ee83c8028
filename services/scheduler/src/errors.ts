import { defaultReason, type ErrorCode, ErrorCodes, type ErrorMetadata, type ErrorReason, ErrorReasons } from '@gpulab/contracts';
import { type BookingRefusalCode, BookingRefusals, INVALID_BOOKING_REQUESTS, InventoryRefusals } from '@gpulab/scheduling';

/**
 * An answer to a command that went wrong in a way the caller should hear about: the kind of
 * refusal (`code`, a gRPC status at the edge), the rule that refused (`reason`) and its subject.
 */
export class CommandError extends Error {
  readonly reason: ErrorReason;
  readonly metadata: ErrorMetadata;

  constructor(
    readonly code: ErrorCode,
    message: string,
    detail: { reason?: ErrorReason; metadata?: ErrorMetadata } = {},
  ) {
    super(message);
    this.name = 'CommandError';
    this.reason = detail.reason ?? defaultReason(code);
    this.metadata = detail.metadata ?? {};
  }
}

export const notFound = (jobId: string) =>
  new CommandError(ErrorCodes.notFound, `job ${jobId} does not exist`, { reason: ErrorReasons.jobNotFound, metadata: { job: jobId } });
export const otherTeam = (jobId: string) =>
  new CommandError(ErrorCodes.permissionDenied, `job ${jobId} belongs to another team`, { reason: ErrorReasons.otherTeam, metadata: { job: jobId } });
export const invalid = (message: string, metadata?: ErrorMetadata) => new CommandError(ErrorCodes.invalidArgument, message, { reason: ErrorReasons.invalidField, metadata });
/** The refusal of a caller without a team, wherever the scheduler needs the caller's team. */
export const noTeam = () => invalid('the caller has no team');
export const precondition = (message: string, reason: ErrorReason = ErrorReasons.notAllowedNow, metadata?: ErrorMetadata) =>
  new CommandError(ErrorCodes.failedPrecondition, message, { reason, metadata });

/** Each booking rule's refusal as the reason a client sees; a new rule cannot go without one. */
const BOOKING_REASONS: Record<BookingRefusalCode, ErrorReason> = {
  [BookingRefusals.unknownTeam]: ErrorReasons.unknownTeam,
  [BookingRefusals.unknownServer]: ErrorReasons.unknownServer,
  [BookingRefusals.inThePast]: ErrorReasons.dateInPast,
  [BookingRefusals.outsideTerm]: ErrorReasons.outsideTerm,
  [BookingRefusals.quotaExceeded]: ErrorReasons.quotaExceeded,
  [BookingRefusals.overlapsOwnSlot]: ErrorReasons.slotOverlap,
  [BookingRefusals.noFreeGpus]: ErrorReasons.noFreeGpus,
  [BookingRefusals.notFound]: ErrorReasons.slotNotFound,
  [BookingRefusals.alreadyStarted]: ErrorReasons.slotStarted,
};

/**
 * A booking or move the calendar's rules refused: a request about no real team, server or day
 * is INVALID_ARGUMENT; the rest depend on the calendar's state, FAILED_PRECONDITION.
 */
export function bookingRefused(refusal: { code: BookingRefusalCode; message: string }, metadata: ErrorMetadata): CommandError {
  const code = INVALID_BOOKING_REQUESTS.has(refusal.code) ? ErrorCodes.invalidArgument : ErrorCodes.failedPrecondition;
  return new CommandError(code, refusal.message, { reason: BOOKING_REASONS[refusal.code], metadata });
}

type InventoryRefusalCode = (typeof InventoryRefusals)[keyof typeof InventoryRefusals];

const INVENTORY_REASONS: Record<InventoryRefusalCode, ErrorReason> = {
  [InventoryRefusals.unknownServer]: ErrorReasons.unknownServer,
  [InventoryRefusals.serverExists]: ErrorReasons.alreadyExists,
  [InventoryRefusals.badGpu]: ErrorReasons.invalidField,
  [InventoryRefusals.serverInUse]: ErrorReasons.serverInUse,
};

/** A tutor's inventory change the rules refused: a server in use is a state, the rest bad input. */
export function inventoryRefused(refusal: { code: InventoryRefusalCode; message: string }): CommandError {
  const code = refusal.code === InventoryRefusals.serverInUse ? ErrorCodes.failedPrecondition : ErrorCodes.invalidArgument;
  return new CommandError(code, refusal.message, { reason: INVENTORY_REASONS[refusal.code] });
}

/** KV refused a write because another writer got there first. */
export class RevisionConflictError extends Error {
  readonly retryable = true;
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`${key} was changed by someone else`, options);
    this.name = 'RevisionConflictError';
  }
}
