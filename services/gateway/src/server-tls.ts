import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ServerCredentials } from '@grpc/grpc-js';

/** The PEM files of the gateway's TLS, as configured (absolute paths). */
export interface TlsFiles {
  certFile: string;
  keyFile: string;
  /** When set, clients must present a certificate signed by this CA (mTLS). */
  clientCaFile?: string;
}

/** The TLS material read and checked at start. */
export interface ServerTls {
  files: TlsFiles;
  cert: Buffer;
  key: Buffer;
  clientCa?: Buffer;
  /** The certificate's last day, for the start log. */
  validTo: string;
}

/** The variables that name each file, so a bad setting is reported the way it was made. */
export const TLS_VARIABLES = { certFile: 'GPULAB_TLS_CERT', keyFile: 'GPULAB_TLS_KEY', clientCaFile: 'GPULAB_TLS_CLIENT_CA' } as const;

/**
 * Reads and checks the PEM files before anything else starts, so a bad setting stops the gateway
 * with a message naming the variable and the file (never the file's content: a key is secret).
 */
export function readServerTls(files: TlsFiles): ServerTls {
  const cert = readPem('certFile', files.certFile);
  const key = readPem('keyFile', files.keyFile);
  const certificate = parse('certFile', files.certFile, () => new X509Certificate(cert), 'a PEM certificate (-----BEGIN CERTIFICATE-----)');
  const privateKey: KeyObject = parse('keyFile', files.keyFile, () => createPrivateKey(key), 'a PEM private key without a passphrase (-----BEGIN PRIVATE KEY-----)');
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new Error(`${TLS_VARIABLES.keyFile}: ${files.keyFile} is not the key of the certificate in ${TLS_VARIABLES.certFile} (${files.certFile})`);
  }
  let clientCa: Buffer | undefined;
  if (files.clientCaFile !== undefined) {
    clientCa = readPem('clientCaFile', files.clientCaFile);
    parse('clientCaFile', files.clientCaFile, () => new X509Certificate(clientCa as Buffer), 'a PEM CA certificate (-----BEGIN CERTIFICATE-----)');
  }
  return { files, cert, key, clientCa, validTo: certificate.validTo };
}

/** TLS when configured (client certificates required when a client CA is), else plaintext. */
export function serverCredentials(tls: ServerTls | null): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ cert_chain: tls.cert, private_key: tls.key }], tls.clientCa !== undefined);
}

/** Plaintext is fine on loopback; anywhere else tokens and data would cross the network in clear. */
export function plaintextWarning(host: string, tls: boolean): string | undefined {
  if (tls || isLoopback(host)) return undefined;
  return (
    `the gateway listens on ${host} without TLS: tokens and data cross the network in clear. ` +
    `Set ${TLS_VARIABLES.certFile} and ${TLS_VARIABLES.keyFile} (see README, "TLS"), or GPULAB_HOST=127.0.0.1 for this machine only`
  );
}

export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1';
}

function readPem(field: keyof TlsFiles, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a folder' : (code ?? 'unreadable');
    throw new Error(`${TLS_VARIABLES[field]}: cannot read ${path} (${why})`, { cause: error });
  }
}

function parse<T>(field: keyof TlsFiles, path: string, read: () => T, expected: string): T {
  try {
    return read();
  } catch (error) {
    throw new Error(`${TLS_VARIABLES[field]}: ${path} is not ${expected}`, { cause: error });
  }
}
