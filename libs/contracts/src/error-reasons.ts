import { type ErrorCode, ErrorCodes } from './error-codes';

/**
 * Why a command was refused, as a code a script can branch on (AIP-193's `ErrorInfo.reason`):
 * UPPER_SNAKE_CASE, stable, one per rule. The gRPC status says what kind of refusal it is; the
 * reason says which rule refused. The gateway sends it in `google.rpc.ErrorInfo` with
 * `domain: "gpulab"` and the subject (team, slot, job, …) as metadata.
 */
export const ErrorReasons = {
  // Bad input (INVALID_ARGUMENT).
  /** A field of the request is malformed, missing or out of range; the message names it. */
  invalidField: 'INVALID_FIELD',
  /** More GPUs than one server or the team's slot has. */
  tooManyGpus: 'TOO_MANY_GPUS',
  /** A booking or move to a day before today. */
  dateInPast: 'DATE_IN_PAST',
  /** A booking that does not fit between the term's first and last day. */
  outsideTerm: 'OUTSIDE_TERM',
  unknownTeam: 'UNKNOWN_TEAM',
  unknownServer: 'UNKNOWN_SERVER',
  // Something named does not exist (NOT_FOUND).
  jobNotFound: 'JOB_NOT_FOUND',
  slotNotFound: 'SLOT_NOT_FOUND',
  memberNotFound: 'MEMBER_NOT_FOUND',
  artifactNotFound: 'ARTIFACT_NOT_FOUND',
  uploadNotFound: 'UPLOAD_NOT_FOUND',
  /** A job's result or one of its files is no longer stored. */
  resultNotFound: 'RESULT_NOT_FOUND',
  /** Something else named in the request does not exist; the message says what. */
  notFound: 'NOT_FOUND',
  // Not yours (PERMISSION_DENIED).
  /** The job, slot, upload, artifact or team belongs to another team. */
  otherTeam: 'OTHER_TEAM',
  /** Only tutors may do this. */
  tutorOnly: 'TUTOR_ONLY',
  /** A team name the tokens file uses is reserved for gpulab's own use. */
  reservedName: 'RESERVED_NAME',
  /** Some other rule of who may do what; the message says which. */
  forbidden: 'FORBIDDEN',
  // Who are you (UNAUTHENTICATED).
  tokenMissing: 'TOKEN_MISSING',
  tokenUnknown: 'TOKEN_UNKNOWN',
  tokenExpired: 'TOKEN_EXPIRED',
  // Not now (FAILED_PRECONDITION).
  /** The term is over: no more team jobs. */
  termOver: 'TERM_OVER',
  /** The job has already ended (cancel, restart). */
  jobEnded: 'JOB_ENDED',
  /** The job has no result (yet): it did not succeed. */
  jobNotSucceeded: 'JOB_NOT_SUCCEEDED',
  /** The team already holds a slot on those days. */
  slotOverlap: 'SLOT_OVERLAP',
  /** No server has the slot's GPUs free on those days. */
  noFreeGpus: 'NO_FREE_GPUS',
  /** The slot has started: it can no longer be cancelled or moved. */
  slotStarted: 'SLOT_STARTED',
  /** The server still has slots or jobs; drain it first. */
  serverInUse: 'SERVER_IN_USE',
  /** The upload is not complete, or not in a state to be finished. */
  uploadIncomplete: 'UPLOAD_INCOMPLETE',
  /**
   * A `run` job's `image` does not fit how this gpulab runs commands: an image without cluster
   * mode (commands run as processes on the servers), or no image in cluster mode.
   */
  imageMode: 'IMAGE_MODE',
  /** A command that needs some other state first; the message says which. */
  notAllowedNow: 'NOT_ALLOWED_NOW',
  // Exists already (ALREADY_EXISTS).
  alreadyExists: 'ALREADY_EXISTS',
  // A limit (RESOURCE_EXHAUSTED).
  /** The team has booked all slots of that kind its quota allows. */
  quotaExceeded: 'QUOTA_EXCEEDED',
  /** The team has as many unfinished jobs as it may have. */
  tooManyQueued: 'TOO_MANY_QUEUED',
  /** This token made more calls than its rate limit allows; wait and try again. */
  rateLimited: 'RATE_LIMITED',
  /** This token has as many streams open as it may. */
  tooManyStreams: 'TOO_MANY_STREAMS',
  /** The team's stored bytes would pass its storage limit. */
  storageFull: 'STORAGE_FULL',
  /** The course has as many teams, or the team as many members, as it may. */
  limitReached: 'LIMIT_REACHED',
  /** The gateway is busy with other large work; try again in a moment. */
  busy: 'BUSY',
  // Try again (UNAVAILABLE), or our fault (INTERNAL).
  unavailable: 'UNAVAILABLE',
  internal: 'INTERNAL',
} as const;

export type ErrorReason = (typeof ErrorReasons)[keyof typeof ErrorReasons];

/** AIP-193's `ErrorInfo.domain` for every reason above. */
export const ERROR_DOMAIN = 'gpulab';

/** What a refusal is about, as `ErrorInfo.metadata` carries it: e.g. `{ team, slot, job }`. */
export type ErrorMetadata = Record<string, string>;

/**
 * The reason of a refusal made without a more specific one, so that every refusal carries a
 * reason: a script can rely on the field being there, and on these to mean "some other rule".
 */
const DEFAULT_REASONS: Record<ErrorCode, ErrorReason> = {
  [ErrorCodes.invalidArgument]: ErrorReasons.invalidField,
  [ErrorCodes.notFound]: ErrorReasons.notFound,
  [ErrorCodes.permissionDenied]: ErrorReasons.forbidden,
  [ErrorCodes.unauthenticated]: ErrorReasons.tokenUnknown,
  [ErrorCodes.failedPrecondition]: ErrorReasons.notAllowedNow,
  [ErrorCodes.alreadyExists]: ErrorReasons.alreadyExists,
  [ErrorCodes.resourceExhausted]: ErrorReasons.limitReached,
  [ErrorCodes.unavailable]: ErrorReasons.unavailable,
  [ErrorCodes.internal]: ErrorReasons.internal,
};

export function defaultReason(code: ErrorCode): ErrorReason {
  return DEFAULT_REASONS[code];
}

const REASON_SET: ReadonlySet<string> = new Set(Object.values(ErrorReasons));

export function isErrorReason(value: unknown): value is ErrorReason {
  return typeof value === 'string' && REASON_SET.has(value);
}
