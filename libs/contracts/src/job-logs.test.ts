import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeLogBatch, encodeLogBatch, jobLogSubject, jobLogsFilter } from './job-logs';

test('a log batch survives encoding and names its attempt in its subject', () => {
  const batch = { jobId: 'job-abc', attempt: 2, seq: 7, lines: [{ at: 1_700_000_000_000, stream: 'stderr' as const, text: 'epoch 1\tloss 0.3' }] };
  assert.deepEqual(decodeLogBatch(encodeLogBatch(batch)), batch);
  assert.equal(jobLogSubject('job-abc', 2), 'gpulab.logs.job-abc.2');
  assert.equal(jobLogsFilter('job-abc'), 'gpulab.logs.job-abc.*');
});

test('a malformed log message decodes to undefined instead of throwing', () => {
  const bad = ['not json', '[]', '{"jobId":"j","attempt":0,"seq":1,"lines":[]}', '{"jobId":"j","attempt":1,"seq":1,"lines":[{"at":1,"stream":"tty","text":"x"}]}', '{"jobId":"j","attempt":1,"seq":1,"lines":[{"at":"1","stream":"stdout","text":"x"}]}'];
  for (const text of bad) assert.equal(decodeLogBatch(new TextEncoder().encode(text)), undefined, text);
});
