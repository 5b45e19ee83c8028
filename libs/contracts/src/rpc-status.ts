import { ErrorInfo } from './generated/google/rpc/error_details';
import { Status } from './generated/google/rpc/status';
import { boundedMessage, excerpt } from './input-excerpt';
import { ERROR_DOMAIN, type ErrorMetadata } from './error-reasons';

/** The trailer gRPC's rich error model rides in: a serialized `google.rpc.Status`. */
export const STATUS_DETAILS_KEY = 'grpc-status-details-bin';

const ERROR_INFO_TYPE_URL = 'type.googleapis.com/google.rpc.ErrorInfo';

/**
 * Metadata goes into a trailer like the message: a subject is a name or an id, so a value is
 * cut to a short excerpt and the entries are few, whatever a caller put there.
 */
const MAX_METADATA_ENTRIES = 8;
const MAX_METADATA_KEY_CHARS = 64;

/** A refusal as the gRPC error model carries it. */
export interface ErrorDetail {
  /** The gRPC status code (a number). */
  code: number;
  message: string;
  reason: string;
  metadata?: ErrorMetadata;
}

/** `google.rpc.Status` with one `google.rpc.ErrorInfo` in its details, serialized. */
export function encodeErrorStatus(detail: ErrorDetail): Buffer {
  const info = ErrorInfo.encode({ reason: detail.reason, domain: ERROR_DOMAIN, metadata: boundedMetadata(detail.metadata) }).finish();
  const status = Status.encode({ code: detail.code, message: boundedMessage(detail.message), details: [{ typeUrl: ERROR_INFO_TYPE_URL, value: Buffer.from(info) }] }).finish();
  return Buffer.from(status);
}

/**
 * The first `ErrorInfo` of a serialized `google.rpc.Status`, of any domain; undefined when the
 * bytes are not one or carry none, so a client of another server only misses the reason.
 */
export function decodeErrorInfo(bytes: Uint8Array): { reason: string; domain: string; metadata: ErrorMetadata } | undefined {
  try {
    const status = Status.decode(bytes);
    const any = status.details.find((d) => d.typeUrl.endsWith('/google.rpc.ErrorInfo'));
    if (!any) return undefined;
    const info = ErrorInfo.decode(any.value);
    return { reason: info.reason, domain: info.domain, metadata: info.metadata };
  } catch {
    return undefined;
  }
}

function boundedMetadata(metadata: ErrorMetadata = {}): ErrorMetadata {
  const out: ErrorMetadata = {};
  for (const [key, value] of Object.entries(metadata).slice(0, MAX_METADATA_ENTRIES)) {
    out[key.slice(0, MAX_METADATA_KEY_CHARS)] = excerpt(String(value));
  }
  return out;
}
