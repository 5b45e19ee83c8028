#!/usr/bin/env node
// The gateway's liveness and readiness over TLS, where the kubelet's own gRPC probe cannot go
// (it speaks plaintext only): calls grpc.health.v1.Health/Check and exits 0 only on SERVING.
// The certificate is not verified: the probe asks whether this process answers, not who it is,
// and the certificate names the public host, not 127.0.0.1.
// Usage: node grpc-health-probe.js PORT [SERVICE]
'use strict';
const grpc = require('@grpc/grpc-js');

const SERVING = 1;
const port = Number(process.argv[2]);
const service = process.argv[3] ?? '';
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`usage: grpc-health-probe.js PORT [SERVICE]; "${process.argv[2]}" is not a port`);
  process.exit(2);
}

// HealthCheckRequest { string service = 1; } and HealthCheckResponse { ServingStatus status = 1; },
// encoded by hand so the probe needs nothing but grpc-js.
const encodeRequest = (request) => {
  const name = Buffer.from(request.service, 'utf8');
  return name.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, name.length]), name]);
};
const decodeResponse = (bytes) => ({ status: bytes.length >= 2 && bytes[0] === 0x08 ? bytes[1] : 0 });

const credentials = grpc.credentials.createSsl(null, null, null, { rejectUnauthorized: false, checkServerIdentity: () => undefined });
// A name for TLS' server name indication, which may not be an IP address.
const client = new grpc.Client(`127.0.0.1:${port}`, credentials, { 'grpc.ssl_target_name_override': 'localhost' });
client.makeUnaryRequest('/grpc.health.v1.Health/Check', encodeRequest, decodeResponse, { service }, { deadline: Date.now() + 5000 }, (error, response) => {
  client.close();
  if (error) {
    console.error(`health check failed: ${error.message}`);
    process.exit(1);
  }
  if (response.status !== SERVING) {
    console.error(`not serving (status ${response.status})`);
    process.exit(1);
  }
  process.exit(0);
});
