import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JobRecord, JobStates } from '@gpulab/contracts';
import { outputsDue, retentionCandidates } from './output-retention';
import { type StoredJobObject } from '@gpulab/platform';

const DAY = 86_400_000;
const NOW = Date.parse('2026-12-03T12:00:00Z');

const stored = (jobId: string, daysAgo: number, name = 'result.json', part: StoredJobObject['part'] = 'jobOutputBytes'): StoredJobObject => ({
  name: `jobs/${jobId}/${name}`,
  jobId,
  team: 'demo',
  part,
  bytes: 100,
  modifiedMs: NOW - daysAgo * DAY,
});

const ended = (daysAgo: number, changes: Partial<JobRecord> = {}): Pick<JobRecord, 'state' | 'finishedAt' | 'outputsDeleted'> => ({
  state: JobStates.succeeded,
  finishedAt: new Date(NOW - daysAgo * DAY).toISOString(),
  ...changes,
});

describe('output retention', () => {
  it('asks only about jobs whose every output was written before the cut-off', () => {
    const objects = [stored('j-old', 40), stored('j-old', 35, 'out/plot.png'), stored('j-mixed', 40), stored('j-mixed', 2, 'out/plot.png'), stored('j-new', 1)];
    assert.deepEqual(retentionCandidates(objects, NOW, 30 * DAY), ['j-old']);
  });

  it("leaves a job's inline input to the input sweep", () => {
    assert.deepEqual(retentionCandidates([stored('j-input', 90, 'input.f64', 'jobInputBytes')], NOW, 30 * DAY), []);
  });

  it('keeps everything when the retention is 0', () => {
    assert.deepEqual(retentionCandidates([stored('j-old', 4000)], NOW, 0), []);
    assert.equal(outputsDue(ended(4000), NOW, 0), false);
  });

  it('deletes the outputs of a job that ended the retention or longer ago, not of one that ended since', () => {
    assert.equal(outputsDue(ended(30), NOW, 30 * DAY), true);
    assert.equal(outputsDue(ended(29.9), NOW, 30 * DAY), false);
  });

  it('never deletes the outputs of a job that has not ended, however old', () => {
    assert.equal(outputsDue({ state: JobStates.running }, NOW, 30 * DAY), false);
    assert.equal(outputsDue({ state: JobStates.queued, outputsDeleted: { at: '2026-01-01T00:00:00Z', by: 'ada' } }, NOW, 30 * DAY), false);
  });

  it('finishes a deletion that was marked but cut short, whatever the retention', () => {
    assert.equal(outputsDue(ended(1, { outputsDeleted: { at: '2026-12-02T00:00:00Z', by: 'ada' } }), NOW, 30 * DAY), true);
  });
});
