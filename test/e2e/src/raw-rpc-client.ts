import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client, credentials, Metadata, type MethodDefinition, type ServiceError, status } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The proto directory of the repository, beside test/e2e. */
export const PROTO_DIR = join(__dirname, '..', '..', '..', 'proto');

export interface RpcDefinition {
  /** e.g. "JobService". */
  service: string;
  /** e.g. "SubmitJob". */
  method: string;
  definition: MethodDefinition<object, object>;
}

/**
 * Every RPC of every gpulab.v1 service, read from the .proto files themselves (not from code
 * generated from them), so that a new RPC shows up here the moment it is declared.
 */
export function loadRpcs(protoDir = PROTO_DIR): RpcDefinition[] {
  const dir = join(protoDir, 'gpulab', 'v1');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.proto'))
    .map((f) => join(dir, f));
  const definitions = loadSync(files, { includeDirs: [protoDir], longs: Number, enums: String, defaults: true, oneofs: true });
  const rpcs: RpcDefinition[] = [];
  for (const [name, definition] of Object.entries(definitions)) {
    // Messages and enums carry a `format`; services are maps of method definitions.
    if ('format' in definition) continue;
    const service = name.replace(/^gpulab\.v1\./, '');
    for (const [method, methodDefinition] of Object.entries(definition as Record<string, MethodDefinition<object, object>>)) {
      rpcs.push({ service, method, definition: methodDefinition });
    }
  }
  return rpcs;
}

/** What a call came to: OK with the (first) response, or a status code and its message. */
export interface RpcOutcome {
  code: status;
  details: string;
  response?: unknown;
}

/**
 * Calls any RPC by its definition, with any token or none: requests are plain objects in the
 * proto's field names (camelCase). A server stream is read up to its first message or its status;
 * a client stream sends the given messages and ends.
 */
export class RawRpcClient {
  private readonly client: Client;

  constructor(address: string) {
    this.client = new Client(address, credentials.createInsecure());
  }

  call(rpc: RpcDefinition, token: string | undefined, request: object | object[]): Promise<RpcOutcome> {
    const d = rpc.definition;
    const metadata = new Metadata();
    if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
    const options = { deadline: Date.now() + 15_000 };
    const messages = Array.isArray(request) ? request : [request];
    return new Promise<RpcOutcome>((resolve) => {
      const done = (error: ServiceError | null, response?: unknown) =>
        resolve(error ? { code: error.code, details: error.details } : { code: status.OK, details: '', response });
      if (d.requestStream && !d.responseStream) {
        const call = this.client.makeClientStreamRequest(d.path, d.requestSerialize, d.responseDeserialize, metadata, options, done);
        call.on('error', () => undefined); // the status comes to `done`
        for (const message of messages) call.write(message);
        call.end();
      } else if (d.responseStream && !d.requestStream) {
        const call = this.client.makeServerStreamRequest(d.path, d.requestSerialize, d.responseDeserialize, messages[0], metadata, options);
        let settled = false;
        const settle = (outcome: RpcOutcome) => {
          if (settled) return;
          settled = true;
          resolve(outcome);
          call.cancel();
        };
        call.on('data', (response: unknown) => settle({ code: status.OK, details: '', response }));
        call.on('error', (error: ServiceError) => settle({ code: error.code, details: error.details }));
        call.on('status', (s: { code: status; details: string }) => settle({ code: s.code, details: s.details }));
      } else if (!d.requestStream && !d.responseStream) {
        this.client.makeUnaryRequest(d.path, d.requestSerialize, d.responseDeserialize, messages[0], metadata, options, done);
      } else {
        resolve({ code: status.UNIMPLEMENTED, details: `${rpc.service}.${rpc.method}: bidirectional streams are not covered by this client` });
      }
    });
  }

  close(): void {
    this.client.close();
  }
}
