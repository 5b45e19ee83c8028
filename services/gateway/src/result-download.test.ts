import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ServerWritableStream } from '@grpc/grpc-js';
import { ObjectNames, type pb } from '@gpulab/contracts';
import { type ObjectStore } from '@nats-io/obj';
import { GatewayError } from './errors';
import { ResultDownload } from './result-download';

const JOB = 'j-01m8zzzzzzzzzzzzzzzzzzzzzz';
const RESULT = Buffer.from(JSON.stringify({ outcome: 'failed', files: [{ name: 'model.bin', contentType: '', bytes: 4 }] }));

/** A store holding the result and one file whose read never sends a byte, as a read does once its connection was cut. */
function stalledStore(): ObjectStore {
  return {
    getBlob: async (name: string) => (name === ObjectNames.result(JOB) ? RESULT : null),
    info: async () => ({ size: 4, deleted: false }),
    get: async () => ({ data: new ReadableStream<Uint8Array>({ start: () => undefined }), error: Promise.resolve(null) }),
  } as unknown as ObjectStore;
}

const call = () => ({ cancelled: false, write: () => true }) as unknown as ServerWritableStream<pb.DownloadResultRequest, pb.DownloadResultResponse>;
const refused = (code: string, message: RegExp) => (e: unknown) => e instanceof GatewayError && e.code === code && message.test(e.message);

describe('ResultDownload', () => {
  it('ends a download whose store read sends nothing for the stall time with UNAVAILABLE, which the client resumes', async () => {
    const download = new ResultDownload(stalledStore(), { concurrency: 1, maxWaiting: 0 }, 30);
    await assert.rejects(download.send('demo', JOB, ObjectNames.result(JOB), call(), new AbortController().signal), refused('UNAVAILABLE', /sent nothing of model\.bin .* for 0 s; try again/));
  });

  it('streams a bounded number of downloads at once and refuses one past the waiting line with RESOURCE_EXHAUSTED, saying so', async () => {
    const download = new ResultDownload(stalledStore(), { concurrency: 1, maxWaiting: 1 }, 200);
    const signal = new AbortController().signal;
    const first = download.send('demo', JOB, ObjectNames.result(JOB), call(), signal);
    const second = download.send('demo', JOB, ObjectNames.result(JOB), call(), signal);
    await assert.rejects(download.send('other', JOB, ObjectNames.result(JOB), call(), signal), refused('RESOURCE_EXHAUSTED', /^the gateway is sending 1 downloads and 1 more are waiting for a turn; try again in a minute$/));
    // The turn is given back when a download ends, here at its stall.
    await assert.rejects(first, refused('UNAVAILABLE', /sent nothing/));
    await assert.rejects(second, refused('UNAVAILABLE', /sent nothing/));
  });
});
