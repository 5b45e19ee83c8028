import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JobView } from '@gpulab/sdk';
import { followWaitingReasons } from './waiting-reasons';

describe("a watched job's waiting reason", () => {
  it('is said when the job starts waiting and whenever it changes, and not while it runs', async () => {
    const states: Partial<JobView>[] = [
      { state: 'QUEUED', waitingReason: 'your team has no slot booked from now on' },
      { state: 'QUEUED', waitingReason: 'your team has no slot booked from now on' },
      { state: 'QUEUED', waitingReason: 'waiting for your setup slot that starts tomorrow' },
      { state: 'RUNNING' },
      { state: 'RUNNING' },
    ];
    const said: string[] = [];
    let call = 0;
    const follower = followWaitingReasons(async () => states[Math.min(call++, states.length - 1)] as JobView, (line) => said.push(line), 5);
    await new Promise((r) => setTimeout(r, 100));
    follower.stop();
    assert.deepEqual(said, ['waiting: your team has no slot booked from now on', 'waiting: waiting for your setup slot that starts tomorrow']);
  });
});

describe("a watched job's waiting as data", () => {
  it('is said with its code, and not again when only its queue position moves', async () => {
    const states: Partial<JobView>[] = [
      { state: 'QUEUED', waiting: { code: 'NO_FREE_GPU', message: 'all GPUs of your slot are busy', position: 3 } },
      { state: 'QUEUED', waiting: { code: 'NO_FREE_GPU', message: 'all GPUs of your slot are busy', position: 2 } },
      { state: 'QUEUED', waiting: { code: 'WAITING_FOR_SLOT', message: 'waiting for your setup slot that starts tomorrow', fromDay: '2026-12-04', position: 1 } },
      { state: 'RUNNING' },
    ];
    const said: string[] = [];
    let call = 0;
    const follower = followWaitingReasons(async () => states[Math.min(call++, states.length - 1)] as JobView, (line) => said.push(line), 5);
    await new Promise((r) => setTimeout(r, 100));
    follower.stop();
    assert.deepEqual(said, ['waiting: NO_FREE_GPU: all GPUs of your slot are busy', 'waiting: WAITING_FOR_SLOT: waiting for your setup slot that starts tomorrow']);
  });
});
