import { createPrivateKey, createPublicKey, type KeyObject, randomBytes, sign, verify } from 'node:crypto';
import { type KeyPair, NKeysError, NKeysErrorCode, Prefix } from '@nats-io/nkeys';
import { Codec } from '@nats-io/nkeys/lib/codec';

/** DER header of a PKCS#8 Ed25519 private key; the 32-byte seed follows it. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Bytes before the raw key in an Ed25519 SPKI public key. */
const SPKI_ED25519_HEADER = 12;

/**
 * An NKey pair whose Ed25519 arithmetic is Node's own (OpenSSL) instead of the pure-JavaScript
 * one of `@nats-io/nkeys`: the keys and signatures are the same, about a hundred times cheaper.
 * The scheduler mints a NATS user for every attempt of every job, so this is on the launch path.
 */
export class NativeKeyPair implements KeyPair {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly publicRaw: Uint8Array;
  private cleared = false;

  private constructor(
    private readonly prefix: Prefix,
    private readonly rawSeed: Uint8Array,
  ) {
    this.privateKey = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, rawSeed]), format: 'der', type: 'pkcs8' });
    this.publicKey = createPublicKey(this.privateKey);
    this.publicRaw = new Uint8Array(this.publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519_HEADER));
  }

  /** A new pair of `prefix`'s kind (e.g. `Prefix.User`). */
  static create(prefix: Prefix): NativeKeyPair {
    return new NativeKeyPair(prefix, new Uint8Array(randomBytes(32)));
  }

  /** The pair of an NKey seed (`SU…`, `SA…`). */
  static fromSeed(seed: string | Uint8Array): NativeKeyPair {
    const { buf, prefix } = Codec.decodeSeed(typeof seed === 'string' ? new TextEncoder().encode(seed) : seed);
    return new NativeKeyPair(prefix, buf);
  }

  getPublicKey(): string {
    this.check();
    return new TextDecoder().decode(Codec.encode(this.prefix, this.publicRaw));
  }

  getPrivateKey(): Uint8Array {
    this.check();
    return Codec.encode(Prefix.Private, Buffer.concat([this.rawSeed, this.publicRaw]));
  }

  getSeed(): Uint8Array {
    this.check();
    return Codec.encodeSeed(this.prefix, this.rawSeed);
  }

  sign(input: Uint8Array): Uint8Array {
    this.check();
    return new Uint8Array(sign(null, input, this.privateKey));
  }

  verify(input: Uint8Array, sig: Uint8Array): boolean {
    this.check();
    return verify(null, input, this.publicKey, sig);
  }

  clear(): void {
    this.rawSeed.fill(0);
    this.cleared = true;
  }

  seal(): Uint8Array {
    throw new NKeysError(NKeysErrorCode.InvalidNKeyOperation);
  }

  open(): Uint8Array | null {
    throw new NKeysError(NKeysErrorCode.InvalidNKeyOperation);
  }

  private check(): void {
    if (this.cleared) throw new NKeysError(NKeysErrorCode.ClearedPair);
  }
}
