import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobLogLineFromProto, jobLogLineToProto, logStreamFromProto } from './job-log-lines';
import * as pb from './pb';

test('a log line crosses gRPC and back with its time, stream, text and attempt', () => {
  const line = { at: 1_700_000_000_123, stream: 'stderr' as const, text: 'loss 0.3', attempt: 2 };
  assert.deepEqual(jobLogLineFromProto(jobLogLineToProto(line)), line);
});

test('an unspecified or unknown log stream maps to no stream, which a reader skips', () => {
  assert.equal(logStreamFromProto(pb.LogStream.LOG_STREAM_UNSPECIFIED), undefined);
  assert.equal(jobLogLineFromProto({ at: '2026-01-01T00:00:00.000Z', stream: 99 as pb.LogStream, text: 'x', attempt: 1 }), undefined);
});
