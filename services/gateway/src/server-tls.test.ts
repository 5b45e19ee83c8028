import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileGatewayConfig } from './config';
import { isLoopback, plaintextWarning } from './server-tls';

describe('plaintextWarning', () => {
  it('is silent on loopback, where the local stack runs in plaintext', () => {
    for (const host of ['127.0.0.1', '127.0.1.1', 'localhost', '::1', '[::1]']) {
      assert.equal(isLoopback(host), true, host);
      assert.equal(plaintextWarning(host, false), undefined, host);
    }
  });

  it('warns when plaintext listens on the network, naming the variables that turn TLS on', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'gpu.example.org']) {
      assert.equal(isLoopback(host), false, host);
      assert.match(plaintextWarning(host, false) ?? '', new RegExp(`listens on ${host.replace(/\./g, '\\.')} without TLS: .*Set GPULAB_TLS_CERT and GPULAB_TLS_KEY`));
    }
  });

  it('is silent with TLS on any host', () => {
    assert.equal(plaintextWarning('0.0.0.0', true), undefined);
  });
});

describe('compileGatewayConfig: TLS', () => {
  it('is plaintext by default', () => {
    assert.equal(compileGatewayConfig({}).tls, undefined);
  });

  it('takes the certificate and key (and a client CA) as absolute paths', () => {
    const tls = compileGatewayConfig({ tlsCert: 'certs/gw.pem', tlsKey: '/etc/gpulab/gw-key.pem', tlsClientCa: '/etc/gpulab/ca.pem' }).tls;
    assert.ok(tls?.certFile.endsWith('/certs/gw.pem') && tls.certFile.startsWith('/'));
    assert.equal(tls?.keyFile, '/etc/gpulab/gw-key.pem');
    assert.equal(tls?.clientCaFile, '/etc/gpulab/ca.pem');
  });

  it('refuses half a setting, naming the variable that is missing', () => {
    assert.throws(() => compileGatewayConfig({ tlsCert: '/c.pem' }), /GPULAB_TLS_CERT is set \(\/c\.pem\) but GPULAB_TLS_KEY is not/);
    assert.throws(() => compileGatewayConfig({ tlsKey: '/k.pem', tlsCert: '  ' }), /GPULAB_TLS_KEY is set \(\/k\.pem\) but GPULAB_TLS_CERT is not/);
    assert.throws(() => compileGatewayConfig({ tlsClientCa: '/ca.pem' }), /GPULAB_TLS_CLIENT_CA is set, but client certificates need TLS/);
  });
});
