import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { credentials, loadPackageDefinition, makeGenericClientConstructor, type Client, type GrpcObject } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { service as healthService } from 'grpc-health-check';
import { LocalStack } from '@gpulab/local-stack';
import { tempDir } from './temp-dir';

const REFLECTION_PROTO = join(require.resolve('@grpc/reflection'), '..', '..', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');

describe('the gateway can be discovered by standard gRPC tools', () => {
  const dir = tempDir('discovery');
  let stack: LocalStack;

  before(async () => {
    stack = await LocalStack.start({ dataDir: join(dir.path, 'data'), port: 0 });
  });

  after(async () => {
    await stack?.close();
    dir.remove();
  });

  it('answers the standard health check with SERVING, for the server and for JobService', async () => {
    const Health = makeGenericClientConstructor(healthService, 'Health');
    const client = new Health(stack.address, credentials.createInsecure()) as unknown as Client & {
      check(req: { service: string }, cb: (err: Error | null, res: { status: string }) => void): void;
    };
    try {
      for (const service of ['', 'gpulab.v1.JobService']) {
        const res = await new Promise<{ status: string }>((resolve, reject) => client.check({ service }, (err, r) => (err ? reject(err) : resolve(r))));
        assert.equal(res.status, 'SERVING', `health of "${service}"`);
      }
    } finally {
      client.close();
    }
  });

  it('lists JobService through server reflection, as grpcurl would', async () => {
    const pkg = loadPackageDefinition(loadSync(REFLECTION_PROTO, { keepCase: true })) as GrpcObject;
    const reflection = ((pkg.grpc as GrpcObject).reflection as GrpcObject).v1 as GrpcObject;
    const Ctor = reflection.ServerReflection as unknown as new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => Client & {
      ServerReflectionInfo(): NodeJS.ReadWriteStream & { write(m: unknown): boolean; end(): void };
    };
    const client = new Ctor(stack.address, credentials.createInsecure());
    try {
      const services = await new Promise<string[]>((resolve, reject) => {
        const call = client.ServerReflectionInfo();
        call.on('data', (m: { list_services_response?: { service: { name: string }[] } }) => {
          resolve(m.list_services_response?.service.map((s) => s.name) ?? []);
          call.end();
        });
        call.on('error', reject);
        call.write({ list_services: '' });
      });
      assert.ok(services.includes('gpulab.v1.JobService'), services.join(', '));
    } finally {
      client.close();
    }
  });
});
