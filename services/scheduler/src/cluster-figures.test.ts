import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type JobRecord, type JobStateName } from '@gpulab/contracts';
import { inventoryFromLayout } from '@gpulab/scheduling';
import { jobCounts, serverGpus } from './cluster-figures';

function job(team: string, state: JobStateName, gpus: JobRecord['assignedGpus'] = []): Pick<JobRecord, 'team' | 'state' | 'assignedGpus'> {
  return { team, state, assignedGpus: gpus };
}

describe('the figures the scheduler reports on a scrape', () => {
  it('counts jobs by state and team, with zeros for the states a team has none in', () => {
    const counts = jobCounts([job('alpha', 'QUEUED'), job('alpha', 'QUEUED'), job('alpha', 'RUNNING'), job('beta', 'SUCCEEDED')]);
    const of = (team: string, state: string) => counts.find((c) => c.team === team && c.state === state)?.count;
    assert.equal(of('alpha', 'QUEUED'), 2);
    assert.equal(of('alpha', 'RUNNING'), 1);
    assert.equal(of('alpha', 'FAILED'), 0);
    assert.equal(of('beta', 'SUCCEEDED'), 1);
    assert.equal(of('beta', 'QUEUED'), 0);
    assert.equal(of('gamma', 'QUEUED'), undefined, 'a team without jobs has no series');
  });

  it('splits each server’s GPUs into busy, free and broken, and its utilization over the GPUs in service', () => {
    const inventory = { servers: [{ ...inventoryFromLayout('4').servers[0], brokenGpus: [3] }, inventoryFromLayout('4,2').servers[1]] };
    const gpus = serverGpus(inventory, [
      job('alpha', 'RUNNING', [{ server: 's1', index: 0 }, { server: 's1', index: 1 }]),
      job('beta', 'SCHEDULED', [{ server: 's2', index: 1 }]),
      job('beta', 'QUEUED'),
    ]);
    assert.deepEqual(gpus, [
      { server: 's1', busy: 2, free: 1, broken: 1, utilization: 2 / 3 },
      { server: 's2', busy: 1, free: 1, broken: 0, utilization: 0.5 },
    ]);
  });
});
