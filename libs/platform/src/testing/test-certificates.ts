// @peculiar/x509 resolves its services through tsyringe, which needs the reflect polyfill loaded first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

/**
 * Certificates made at test time, so tests of TLS need no system binary and no files kept in
 * the repository (which would expire). ECDSA P-256 keys: made natively by WebCrypto, in
 * milliseconds.
 */

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const provider = webcrypto;
x509.cryptoProvider.set(provider);
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export interface IssuedCertificate {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
  readonly certificate: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

async function keyPem(keys: CryptoKeyPair): Promise<string> {
  return x509.PemConverter.encode(await provider.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await provider.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A root CA that can sign server and client certificates. */
export async function makeCa(name: string): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${name}`,
    keys,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await keyPem(keys), certificate, keys };
}

/**
 * A leaf certificate signed by `ca`: for a server when `hosts` are given (DNS names or IP
 * addresses, in its subjectAltName), else for a client.
 */
export async function issueCertificate(ca: IssuedCertificate, name: string, hosts?: string[]): Promise<IssuedCertificate> {
  const keys = await newKeys();
  const isIp = (h: string) => /^[\d.]+$/.test(h) || h.includes(':');
  const certificate = await x509.X509CertificateGenerator.create({
    subject: `CN=${name}`,
    issuer: ca.certificate.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALGORITHM,
    notBefore: new Date(Date.now() - 60_000),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([hosts ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth]),
      ...(hosts ? [new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIp(h) ? ('ip' as const) : ('dns' as const), value: h })))] : []),
      await x509.AuthorityKeyIdentifierExtension.create(ca.keys.publicKey),
    ],
  });
  return { cert: certificate.toString('pem'), key: await keyPem(keys), certificate, keys };
}

/** A temporary folder for PEM files; `write` returns a file's path. */
export function pemFolder(name: string): { path: string; write(file: string, text: string): string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `gpulab-${name}-`));
  return {
    path,
    write: (file, text) => {
      const target = join(path, file);
      writeFileSync(target, text, { mode: 0o600 });
      return target;
    },
    remove: () => rmSync(path, { recursive: true, force: true }),
  };
}
