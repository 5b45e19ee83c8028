import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { benchScheduleLine, benchScheduleTable } from './bench-schedule-format';
import { assertGolden } from './testing/golden';
import { aBenchSchedule } from './testing/views';

const schedules = [
  aBenchSchedule(),
  aBenchSchedule({
    id: 'bs-qrstuvwx',
    cron: '30 2 * * 1',
    model: 'course-cnn',
    backends: [],
    batchSizes: [8],
    paused: true,
    nextFiring: '',
    lastFiring: { at: '2026-11-30T01:30:00.000Z', outcome: 'skipped', jobIds: ['j-bs-qrstuvwx-t2-b8'], reason: 'no GPU free of slots between 2026-11-30 02:30 GMT+1 and 2026-12-07 02:30 GMT+1' },
  }),
  aBenchSchedule({ id: 'bs-newnewnw', lastFiring: undefined }),
];

describe('gpulab bench schedule list', () => {
  it("shows each schedule's cron, zone, jobs, next and last firing in the reader's zone, and why a skipped firing was skipped", () => {
    const text = benchScheduleTable(schedules, { timeZone: 'Europe/Berlin' });
    assert.match(text, /^bs-abcdefgh\s+0 3 \* \* \*\s+Europe\/Berlin\s+resnet50\s+cpu,wasm\s+1,32\s+no\s+2026-12-04 03:00:00 CET\s+2026-12-03 03:00:00 CET\s+started$/m);
    assert.match(text, /^bs-qrstuvwx\s.*\sall\s+8\s+yes\s+-\s+2026-11-30 02:30:00 CET\s+skipped$/m);
    assert.match(text, /^bs-qrstuvwx: skipped at 2026-11-30 02:30:00 CET: no GPU free of slots between/m);
    assertGolden('bench-schedules.txt', `${text}\n`);
  });

  it('says how to add one when there are none', () => {
    assert.match(benchScheduleTable([]), /^no benchmark schedules; add one with gpulab bench schedule add --cron/);
  });

  it('says in one line what add, pause and resume did, with the next firing', () => {
    assert.equal(
      benchScheduleLine('added', aBenchSchedule(), { timeZone: 'UTC' }),
      "added benchmark schedule bs-abcdefgh: resnet50 on cpu, wasm, batch sizes 1, 32, at '0 3 * * *' (Europe/Berlin); next firing 2026-12-04 02:00:00 UTC",
    );
    assert.match(benchScheduleLine('paused', aBenchSchedule({ paused: true, nextFiring: '', batchSizes: [4] })), /batch size 4, at '0 3 \* \* \*' \(Europe\/Berlin\)$/);
  });
});
