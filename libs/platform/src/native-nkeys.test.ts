import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createAccount, createUser, fromPublic, fromSeed, Prefix } from '@nats-io/nkeys';
import { NativeKeyPair } from './native-nkeys';

describe('NKey pairs on Node crypto', () => {
  it('derive the same public key, seed and private key as @nats-io/nkeys from a seed', () => {
    for (const reference of [createUser(), createAccount()]) {
      const seed = new TextDecoder().decode(reference.getSeed());
      const native = NativeKeyPair.fromSeed(seed);
      assert.equal(native.getPublicKey(), reference.getPublicKey());
      assert.deepEqual(native.getSeed(), reference.getSeed());
      assert.deepEqual(native.getPrivateKey(), reference.getPrivateKey());
    }
  });

  it('sign what @nats-io/nkeys verifies, byte for byte the same signature', () => {
    const native = NativeKeyPair.fromSeed(createAccount().getSeed());
    const reference = fromSeed(native.getSeed());
    const data = new TextEncoder().encode('a JWT header and claims');
    const sig = native.sign(data);
    assert.deepEqual(sig, reference.sign(data), 'Ed25519 signatures are deterministic');
    assert.ok(fromPublic(native.getPublicKey()).verify(data, sig));
    assert.ok(native.verify(data, reference.sign(data)));
    assert.ok(!native.verify(new TextEncoder().encode('something else'), sig));
  });

  it('makes new user keys with the user prefix, each different', () => {
    const a = NativeKeyPair.create(Prefix.User);
    const b = NativeKeyPair.create(Prefix.User);
    assert.match(a.getPublicKey(), /^U[A-Z2-7]{55}$/);
    assert.notEqual(a.getPublicKey(), b.getPublicKey());
    assert.equal(fromSeed(a.getSeed()).getPublicKey(), a.getPublicKey());
  });

  it('refuses to work once cleared', () => {
    const kp = NativeKeyPair.create(Prefix.User);
    kp.clear();
    assert.throws(() => kp.sign(new Uint8Array(1)), /cleared/);
  });
});
