import { status, type ServiceError } from '@grpc/grpc-js';
import { decodeErrorInfo, ERROR_DOMAIN, type ErrorMetadata, STATUS_DETAILS_KEY } from '@gpulab/contracts';

/**
 * A call the server refused or could not answer; `code` is the gRPC status name, `reason` the
 * rule that refused (one of gpulab's `ErrorReasons`, e.g. `QUOTA_EXCEEDED`), for scripts to
 * branch on; absent when the call never reached a gpulab server.
 */
export class GpulabError extends Error {
  readonly reason?: string;
  /** The refusal's subject, e.g. `{ team, slot }`. */
  readonly metadata: ErrorMetadata;

  constructor(
    readonly code: string,
    readonly grpcCode: number,
    message: string,
    options?: { cause?: unknown; reason?: string; metadata?: ErrorMetadata },
  ) {
    super(message, options);
    this.name = 'GpulabError';
    this.reason = options?.reason;
    this.metadata = options?.metadata ?? {};
  }

  /** Only a server that could not be reached is worth another try; refusals are final. */
  get retryable(): boolean {
    return this.grpcCode === status.UNAVAILABLE || this.grpcCode === status.DEADLINE_EXCEEDED;
  }

  /** `where` makes "cannot reach" and TLS messages say where the client looked and what to set. */
  static from(error: unknown, where?: string | Endpoint): GpulabError {
    if (error instanceof GpulabError) return error;
    const e = error as Partial<ServiceError>;
    if (typeof e?.code === 'number') {
      const name = status[e.code] ?? 'UNKNOWN';
      const endpoint = typeof where === 'string' ? { address: where } : where;
      const message =
        (e.code === status.UNAVAILABLE ? connectionFailure(e.details ?? '', endpoint) : undefined) ??
        (e.code === status.RESOURCE_EXHAUSTED ? tooLarge(e.details ?? '') : undefined) ??
        e.details ??
        e.message ??
        name;
      return new GpulabError(name, e.code, message, { cause: error, ...errorInfoOf(e) });
    }
    return new GpulabError('UNKNOWN', status.UNKNOWN, error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/** The gpulab `ErrorInfo` of a status, from its grpc-status-details-bin trailer. */
function errorInfoOf(error: Partial<ServiceError>): { reason?: string; metadata?: ErrorMetadata } {
  const bytes = error.metadata?.get(STATUS_DETAILS_KEY)[0];
  if (!Buffer.isBuffer(bytes)) return {};
  const info = decodeErrorInfo(bytes);
  if (!info || info.domain !== ERROR_DOMAIN) return {};
  return { reason: info.reason, metadata: info.metadata };
}

/** grpc-js's own words for a message over the size limit, said as what to do about it. */
function tooLarge(details: string): string | undefined {
  const m = /(Sent|Received) message larger than max \((\d+) vs\.? (\d+)\)/i.exec(details);
  if (!m) return undefined;
  const mib = (bytes: string) => `${(Number(bytes) / 1024 / 1024).toFixed(1)} MiB`;
  const what = m[1].toLowerCase() === 'sent' ? 'the request' : 'the answer';
  return `${what} has ${mib(m[2])}, more than the ${mib(m[3])} one message may have (GPULAB_MAX_MESSAGE_MIB); send large files with "gpulab upload"`;
}

/** Where a client connects, and how: a failed connection's message depends on both. */
export interface Endpoint {
  address: string;
  /** @default unknown (the messages then name every way) */
  transport?: 'plaintext' | 'tls' | 'mtls';
}

/**
 * What a student should do about a connection that could not be made, from grpc-js's details
 * (which carry Node's TLS and socket errors); undefined when the details say nothing known.
 */
export function connectionFailure(details: string, endpoint: Endpoint = { address: '' }): string | undefined {
  const at = endpoint.address ? ` at ${endpoint.address}` : '';
  const host = endpoint.address.replace(/:\d+$/, '').replace(/^\[(.*)\]$/, '$1');
  if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(details)) {
    return `cannot reach the gateway${at}: is it running (npm start)? Set GPULAB_ADDR to use another address`;
  }
  if (/certificate has expired|CERT_HAS_EXPIRED/i.test(details)) {
    return `the gateway's certificate${at} has expired: the tutors must renew it`;
  }
  if (/unable to verify the first certificate|self[- ]signed certificate|unable to get (local )?issuer certificate|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT/i.test(details)) {
    return `the gateway's certificate${at} is not trusted: set GPULAB_TLS_CA to its CA file`;
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|does not match certificate's altnames/i.test(details)) {
    return `the gateway's certificate is not made for ${host || 'this address'}: set GPULAB_ADDR to the name in its certificate`;
  }
  if (/wrong version number|packet length too long|unknown protocol|http request/i.test(details)) {
    return `the gateway${at} does not use TLS: unset GPULAB_TLS and GPULAB_TLS_CA`;
  }
  if (/certificate required/i.test(details) || (endpoint.transport === 'tls' && /alert handshake failure/i.test(details))) {
    return `the gateway${at} asks for a client certificate: set GPULAB_TLS_CLIENT_CERT and GPULAB_TLS_CLIENT_KEY`;
  }
  const connectFailed = /Failed to connect|Connection dropped/i.test(details);
  if (/alert (unknown ca|bad certificate|certificate unknown|certificate expired|certificate revoked)/i.test(details) || (endpoint.transport === 'mtls' && connectFailed)) {
    return `the gateway${at} did not accept the client certificate (GPULAB_TLS_CLIENT_CERT): it must be signed by the CA the gateway trusts, and be valid`;
  }
  if (endpoint.transport === 'plaintext' && connectFailed) {
    // A TLS server closes a plaintext connection at once; grpc-js only sees it go.
    return `the gateway${at} closed the plaintext connection: if it uses TLS, set GPULAB_TLS=1 (or GPULAB_TLS_CA to its CA file)`;
  }
  return undefined;
}
