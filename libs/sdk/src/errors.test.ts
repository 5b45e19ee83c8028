import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { connectionFailure, GpulabError } from './errors';

// The details are those grpc-js gives (Node's TLS and socket errors inside), as seen against a real server.
const NO_CONNECTION = 'No connection established. Last error: ';
const address = 'gpu.example.org:50051';

describe('connectionFailure', () => {
  it('says the gateway cannot be reached when nothing listens', () => {
    assert.match(connectionFailure(`${NO_CONNECTION}Error: connect ECONNREFUSED 127.0.0.1:1.`, { address }) ?? '', /^cannot reach the gateway at gpu\.example\.org:50051: is it running/);
  });

  it('says to set GPULAB_TLS_CA when the certificate is not trusted', () => {
    for (const why of ['unable to verify the first certificate', 'self-signed certificate', 'self signed certificate in certificate chain', 'unable to get local issuer certificate']) {
      assert.equal(connectionFailure(`${NO_CONNECTION}Error: ${why}.`, { address, transport: 'tls' }), `the gateway's certificate at ${address} is not trusted: set GPULAB_TLS_CA to its CA file`);
    }
  });

  it('says which name the certificate lacks', () => {
    const details = `${NO_CONNECTION}Error [ERR_TLS_CERT_ALTNAME_INVALID]: Hostname/IP does not match certificate's altnames: Host: gpu.example.org. is not in the cert's altnames: DNS:localhost.`;
    assert.match(connectionFailure(details, { address, transport: 'tls' }) ?? '', /not made for gpu\.example\.org: set GPULAB_ADDR to the name in its certificate/);
  });

  it('says the gateway does not use TLS when a TLS client meets plaintext', () => {
    const details = `${NO_CONNECTION}Error: 80BC41A9E07F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:`;
    assert.equal(connectionFailure(details, { address, transport: 'tls' }), `the gateway at ${address} does not use TLS: unset GPULAB_TLS and GPULAB_TLS_CA`);
  });

  it('asks for a client certificate when the gateway requires one', () => {
    const details = `${NO_CONNECTION}80BC41A9E07F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116`;
    assert.match(connectionFailure(details, { address, transport: 'tls' }) ?? '', /asks for a client certificate: set GPULAB_TLS_CLIENT_CERT and GPULAB_TLS_CLIENT_KEY/);
  });

  it('reads a dropped connection by how the client connected', () => {
    const details = `${NO_CONNECTION}Failed to connect (2026-01-01T00:00:00.000Z). Resolution note: `;
    assert.match(connectionFailure(details, { address, transport: 'plaintext' }) ?? '', /closed the plaintext connection: if it uses TLS, set GPULAB_TLS=1/);
    assert.match(connectionFailure(details, { address, transport: 'mtls' }) ?? '', /did not accept the client certificate/);
    assert.equal(connectionFailure(details, { address, transport: 'tls' }), undefined);
  });

  it('leaves other details alone', () => {
    assert.equal(connectionFailure('Connection reset by peer', { address }), undefined);
  });
});

describe('GpulabError.from', () => {
  it('keeps the status and maps the message of a connection that failed', () => {
    const e = GpulabError.from({ code: status.UNAVAILABLE, details: `${NO_CONNECTION}Error: unable to verify the first certificate.` }, { address, transport: 'tls' });
    assert.equal(e.code, 'UNAVAILABLE');
    assert.match(e.message, /not trusted: set GPULAB_TLS_CA/);
  });

  it('passes the server’s own message through for other statuses', () => {
    const e = GpulabError.from({ code: status.PERMISSION_DENIED, details: 'self-signed certificate is a fine name for a team' }, address);
    assert.equal(e.message, 'self-signed certificate is a fine name for a team');
  });
});
