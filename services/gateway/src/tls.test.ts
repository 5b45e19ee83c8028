import 'reflect-metadata';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { useNatsServer } from '@gpulab/platform/testing';
import { GpulabClient, GpulabError, tlsFromEnv, type TlsSetting } from '@gpulab/sdk';
import { compileGatewayConfig, type GatewayOptions } from './config';
import { GatewayModule } from './gateway.module';
import { GrpcServer } from './grpc-server';
import { issueCertificate, makeCa, pemFolder } from '@gpulab/platform/testing';

const TOKENS = { tutor: 'tutor-token-tls', teams: { demo: 'demo-token-tls' } };

interface RunningGateway {
  address: string;
  close(): Promise<void>;
}

/** The gateway's Nest application on a free loopback port, as main.ts starts it. */
async function startGateway(natsUrl: string, tokensFile: string, tls: Pick<GatewayOptions, 'tlsCert' | 'tlsKey' | 'tlsClientCa'>): Promise<RunningGateway> {
  const config = compileGatewayConfig({ port: 0, host: '127.0.0.1', natsUrl, tokensFile, logLevel: 'silent', ...tls });
  const app: INestApplicationContext = await NestFactory.createApplicationContext(GatewayModule.forConfig(config), { logger: false });
  await app.init();
  // "localhost", the name in the test certificate: Node warns when TLS is given a bare IP as server name.
  return { address: `localhost:${app.get(GrpcServer).port}`, close: () => app.close() };
}

/** One call the gateway answers by itself (no scheduler needed): the team's artifacts. */
async function listArtifacts(address: string, tls: TlsSetting, token = TOKENS.teams.demo): Promise<unknown> {
  const client = new GpulabClient({ address, token, tls, callTimeoutMs: 5000 });
  try {
    return await client.listArtifacts();
  } finally {
    client.close();
  }
}

async function refusal(work: Promise<unknown>): Promise<GpulabError> {
  try {
    await work;
  } catch (error) {
    assert.ok(error instanceof GpulabError, String(error));
    return error;
  }
  assert.fail('the call was expected to be refused');
}

describe('the gateway over TLS', () => {
  // Outermost, so its server stops only after the gateways of the inner blocks have closed.
  const nats = useNatsServer('gateway-tls');
  const files = pemFolder('gateway-tls');
  let ca: string;
  let otherCa: string;
  let client: { cert: string; key: string };
  let strangerClient: { cert: string; key: string };
  let server: Pick<GatewayOptions, 'tlsCert' | 'tlsKey'>;
  let tokensFile: string;

  before(async () => {
    const authority = await makeCa('gpulab test CA');
    const other = await makeCa('someone else');
    const serverCert = await issueCertificate(authority, 'gateway', ['localhost', '127.0.0.1']);
    const student = await issueCertificate(authority, 'team demo');
    const stranger = await issueCertificate(other, 'team demo');
    ca = files.write('ca.pem', authority.cert);
    otherCa = files.write('other-ca.pem', other.cert);
    client = { cert: files.write('client.pem', student.cert), key: files.write('client-key.pem', student.key) };
    strangerClient = { cert: files.write('stranger.pem', stranger.cert), key: files.write('stranger-key.pem', stranger.key) };
    server = { tlsCert: files.write('server.pem', serverCert.cert), tlsKey: files.write('server-key.pem', serverCert.key) };
    tokensFile = files.write('tokens.json', JSON.stringify(TOKENS));
  });

  after(() => files.remove());

  describe('with a certificate and key (GPULAB_TLS_CERT, GPULAB_TLS_KEY)', () => {
    let gateway: RunningGateway;
    before(async () => {
      gateway = await startGateway(nats.server.url, tokensFile, server);
    });
    after(() => gateway?.close());

    it('answers a client that trusts its CA (GPULAB_TLS_CA)', async () => {
      const answer = (await listArtifacts(gateway.address, tlsFromEnv({ GPULAB_TLS_CA: ca }))) as { artifacts: unknown[]; usage: { team: string }[] };
      assert.deepEqual(answer.artifacts, []);
      assert.deepEqual(answer.usage.map((u) => u.team), ['demo']);
    });

    it('refuses a plaintext client with a message that says to turn TLS on', async () => {
      const e = await refusal(listArtifacts(gateway.address, false));
      assert.equal(e.code, 'UNAVAILABLE');
      assert.match(e.message, /closed the plaintext connection: if it uses TLS, set GPULAB_TLS=1/);
    });

    it('tells a client that does not trust its CA to set GPULAB_TLS_CA', async () => {
      for (const tls of [tlsFromEnv({ GPULAB_TLS_CA: otherCa }), true] as const) {
        const e = await refusal(listArtifacts(gateway.address, tls));
        assert.equal(e.message, `the gateway's certificate at ${gateway.address} is not trusted: set GPULAB_TLS_CA to its CA file`);
      }
    });

    it('still asks for the token over TLS', async () => {
      const e = await refusal(listArtifacts(gateway.address, tlsFromEnv({ GPULAB_TLS_CA: ca }), 'not-a-token'));
      assert.equal(e.code, 'UNAUTHENTICATED');
    });
  });

  describe('with client certificates required (GPULAB_TLS_CLIENT_CA)', () => {
    let gateway: RunningGateway;
    const withCertificate = () => ({ GPULAB_TLS_CA: ca, GPULAB_TLS_CLIENT_CERT: client.cert, GPULAB_TLS_CLIENT_KEY: client.key });
    before(async () => {
      gateway = await startGateway(nats.server.url, tokensFile, { ...server, tlsClientCa: ca });
    });
    after(() => gateway?.close());

    it('refuses a client without a certificate, saying which variables to set', async () => {
      const e = await refusal(listArtifacts(gateway.address, tlsFromEnv({ GPULAB_TLS_CA: ca })));
      assert.match(e.message, /asks for a client certificate: set GPULAB_TLS_CLIENT_CERT and GPULAB_TLS_CLIENT_KEY/);
    });

    it('refuses a certificate signed by another CA', async () => {
      const env = { GPULAB_TLS_CA: ca, GPULAB_TLS_CLIENT_CERT: strangerClient.cert, GPULAB_TLS_CLIENT_KEY: strangerClient.key };
      const e = await refusal(listArtifacts(gateway.address, tlsFromEnv(env)));
      assert.match(e.message, /did not accept the client certificate \(GPULAB_TLS_CLIENT_CERT\)/);
    });

    it('answers a client with a certificate signed by that CA', async () => {
      const answer = (await listArtifacts(gateway.address, tlsFromEnv(withCertificate()))) as { artifacts: unknown[] };
      assert.deepEqual(answer.artifacts, []);
    });

    it('still asks for the token on top of the certificate', async () => {
      const e = await refusal(listArtifacts(gateway.address, tlsFromEnv(withCertificate()), 'not-a-token'));
      assert.equal(e.code, 'UNAUTHENTICATED');
    });
  });
});

interface Exit {
  code: number | null;
  stderr: string;
}

/** The gateway's real entry point with these variables; bad TLS settings stop it before it connects anywhere. */
function runGateway(env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, 'main.js')], {
      // An unused NATS port: a gateway that got past its TLS check would fail there instead, with another message.
      env: { PATH: process.env.PATH, GPULAB_NATS_URL: 'nats://127.0.0.1:1', GPULAB_PORT: '0', GPULAB_LOG_LEVEL: 'silent', ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('bad TLS settings stop the gateway at start, naming the variable and the file', () => {
  const files = pemFolder('gateway-bad-tls');
  let cert: string;
  let key: string;
  let otherKey: string;

  before(async () => {
    const ca = await makeCa('gpulab test CA');
    const server = await issueCertificate(ca, 'gateway', ['localhost']);
    cert = files.write('server.pem', server.cert);
    key = files.write('server-key.pem', server.key);
    otherKey = files.write('other-key.pem', (await issueCertificate(ca, 'other', ['localhost'])).key);
  });

  after(() => files.remove());

  const stopsWith = async (env: Record<string, string>, expected: RegExp) => {
    const exit = await runGateway(env);
    assert.equal(exit.code, 1, exit.stderr);
    assert.match(exit.stderr, expected);
    assert.doesNotMatch(exit.stderr, /^\s+at /m, 'a message, not a stack trace');
  };

  it('a certificate without its key', async () => {
    await stopsWith({ GPULAB_TLS_CERT: cert }, /GPULAB_TLS_CERT is set \(.*server\.pem\) but GPULAB_TLS_KEY is not/);
  });

  it('a key without its certificate', async () => {
    await stopsWith({ GPULAB_TLS_KEY: key }, /GPULAB_TLS_KEY is set \(.*server-key\.pem\) but GPULAB_TLS_CERT is not/);
  });

  it('a file that does not exist', async () => {
    await stopsWith({ GPULAB_TLS_CERT: join(files.path, 'missing.pem'), GPULAB_TLS_KEY: key }, /GPULAB_TLS_CERT: cannot read .*missing\.pem \(no such file\)/);
  });

  it('a file that is not PEM, without echoing its content', async () => {
    const junk = files.write('junk.pem', 'secret-looking junk');
    const exit = await runGateway({ GPULAB_TLS_CERT: cert, GPULAB_TLS_KEY: junk });
    assert.equal(exit.code, 1);
    assert.match(exit.stderr, /GPULAB_TLS_KEY: .*junk\.pem is not a PEM private key/);
    assert.doesNotMatch(exit.stderr, /secret-looking/);
  });

  it('a key that is not the certificate’s', async () => {
    await stopsWith({ GPULAB_TLS_CERT: cert, GPULAB_TLS_KEY: otherKey }, /GPULAB_TLS_KEY: .*other-key\.pem is not the key of the certificate in GPULAB_TLS_CERT/);
  });

  it('a client CA that is not a certificate', async () => {
    await stopsWith({ GPULAB_TLS_CERT: cert, GPULAB_TLS_KEY: key, GPULAB_TLS_CLIENT_CA: key }, /GPULAB_TLS_CLIENT_CA: .*server-key\.pem is not a PEM CA certificate/);
  });

  it('a client CA without TLS', async () => {
    await stopsWith({ GPULAB_TLS_CLIENT_CA: cert }, /GPULAB_TLS_CLIENT_CA is set, but client certificates need TLS/);
  });
});
