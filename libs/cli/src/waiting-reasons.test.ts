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
