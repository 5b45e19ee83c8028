import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** TLS to the gateway. PEM contents, as strings or bytes. */
export interface TlsOptions {
  /** The CA that signed the gateway's certificate (a course server's own CA). @default the system's roots */
  ca?: string | Uint8Array;
  /** A client certificate, for a gateway that asks for one (mTLS); goes with `key`. */
  cert?: string | Uint8Array;
  /** The private key of `cert`. */
  key?: string | Uint8Array;
}

/** `false`: plaintext (the local stack); `true`: TLS trusting the system's roots; or TLS with these files' contents. */
export type TlsSetting = boolean | TlsOptions;

/** The variables the SDK (and so the CLI) reads; named in messages so a student knows what to set. */
export const TLS_ENV = {
  tls: 'GPULAB_TLS',
  ca: 'GPULAB_TLS_CA',
  cert: 'GPULAB_TLS_CLIENT_CERT',
  key: 'GPULAB_TLS_CLIENT_KEY',
} as const;

const ON = /^(1|true|yes|on)$/i;
const OFF = /^(0|false|no|off)$/i;

/**
 * `GPULAB_TLS_CA` (a CA file: TLS trusting it), `GPULAB_TLS_CLIENT_CERT` + `GPULAB_TLS_CLIENT_KEY`
 * (mTLS), or `GPULAB_TLS=1` (TLS trusting the system's roots); none of them: plaintext.
 * Throws a message naming the variable when a setting is incomplete or a file cannot be read.
 */
export function tlsFromEnv(env: NodeJS.ProcessEnv = process.env): TlsSetting {
  const set = (name: string) => (env[name] === undefined || env[name]?.trim() === '' ? undefined : env[name]?.trim());
  const flag = set(TLS_ENV.tls);
  if (flag !== undefined && !ON.test(flag) && !OFF.test(flag)) {
    throw new Error(`${TLS_ENV.tls}: "${flag.slice(0, 20)}" must be 1 (TLS) or 0 (plaintext)`);
  }
  const files = { ca: set(TLS_ENV.ca), cert: set(TLS_ENV.cert), key: set(TLS_ENV.key) };
  const named = (Object.keys(files) as (keyof typeof files)[]).filter((k) => files[k] !== undefined);
  if (flag !== undefined && OFF.test(flag)) {
    if (named.length > 0) throw new Error(`${TLS_ENV.tls}=0 asks for plaintext, but ${named.map((k) => TLS_ENV[k]).join(' and ')} ask for TLS: unset one or the other`);
    return false;
  }
  if ((files.cert === undefined) !== (files.key === undefined)) {
    const [given, missing] = files.cert === undefined ? [TLS_ENV.key, TLS_ENV.cert] : [TLS_ENV.cert, TLS_ENV.key];
    throw new Error(`${given} is set but ${missing} is not: a client certificate needs its key`);
  }
  if (named.length === 0) return flag !== undefined;
  const options: TlsOptions = {};
  for (const k of named) options[k] = readPemFile(TLS_ENV[k], files[k] as string, k === 'key' ? 'key' : 'certificate');
  return options;
}

/** The channel credentials of a setting. */
export function channelCredentials(setting: TlsSetting): ChannelCredentials {
  if (setting === false) return credentials.createInsecure();
  if (setting === true) return credentials.createSsl();
  if ((setting.cert === undefined) !== (setting.key === undefined)) throw new Error('tls: a client certificate (cert) needs its key, and a key its cert');
  const bytes = (v: string | Uint8Array | undefined) => (v === undefined ? null : Buffer.from(v));
  try {
    return credentials.createSsl(bytes(setting.ca), bytes(setting.key), bytes(setting.cert));
  } catch (error) {
    throw new Error(`tls: the CA certificate, client certificate or key is not valid PEM, or the key is not the certificate's`, { cause: error });
  }
}

/** Checked here so a bad file is named by its variable (never echoed: a key is secret). */
function readPemFile(variable: string, path: string, kind: 'certificate' | 'key'): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unreadable');
    throw new Error(`${variable}: cannot read ${path} (${why})`, { cause: error });
  }
  try {
    if (kind === 'key') createPrivateKey(pem);
    else new X509Certificate(pem);
  } catch (error) {
    const expected = kind === 'key' ? 'a PEM private key without a passphrase' : 'a PEM certificate (-----BEGIN CERTIFICATE-----)';
    throw new Error(`${variable}: ${path} is not ${expected}`, { cause: error });
  }
  return pem;
}
