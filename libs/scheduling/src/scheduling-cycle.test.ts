import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type GpuAddress, gpuKey, inventoryFromLayout } from './inventory';
import { type JobState } from './job-lifecycle';
import { AnyFreeGpuPlacement } from './placement';
import { type SchedulableJob, planCycle, WaitReasons } from './scheduling-cycle';

const inventory = inventoryFromLayout('4,2,2');
const policy = new AnyFreeGpuPlacement();

function job(id: string, overrides: Partial<SchedulableJob> = {}): SchedulableJob {
  return { id, team: 'demo', state: 'QUEUED', gpus: 1, createdAt: `2026-12-01T00:00:0${id.length}Z`, assignedGpus: [], ...overrides };
}

describe('planCycle', () => {
  it('places a 2-GPU job on one server and prefers the fullest server that fits', () => {
    const busy = job('busy', { state: 'RUNNING', assignedGpus: [{ server: 's2', index: 0 }] });
    const plan = planCycle({ inventory, jobs: [busy, job('a', { gpus: 2 }), job('bb', { gpus: 1 })] }, policy);
    const a = plan.placements.find((p) => p.jobId === 'a');
    assert.deepEqual(a?.gpus, [{ server: 's3', index: 0 }, { server: 's3', index: 1 }]);
    const b = plan.placements.find((p) => p.jobId === 'bb');
    assert.deepEqual(b?.gpus, [{ server: 's2', index: 1 }]);
  });

  it('serves queued jobs in arrival order and tells the rest why they wait', () => {
    const jobs = Array.from({ length: 10 }, (_, i) => job(`j${i}`, { createdAt: `2026-12-01T00:00:${10 + i}Z` }));
    const plan = planCycle({ inventory, jobs }, policy);
    assert.deepEqual(plan.placements.map((p) => p.jobId), ['j0', 'j1', 'j2', 'j3', 'j4', 'j5', 'j6', 'j7']);
    assert.deepEqual(plan.waiting.map((w) => [w.jobId, w.code]), [['j8', WaitReasons.noFreeGpu], ['j9', WaitReasons.noFreeGpu]]);
    assert.match(plan.waiting[0].message, /waiting for 1 free GPU on one server \(0 of 8 free now\)/);
  });

  it('says when a job asks for more GPUs than any server has', () => {
    const plan = planCycle({ inventory, jobs: [job('big', { gpus: 5 })] }, policy);
    assert.equal(plan.waiting[0].code, WaitReasons.neverFits);
    assert.match(plan.waiting[0].message, /largest server has 4/);
  });

  it('never gives a GPU to two jobs, whatever the queue and the running jobs', () => {
    const states: JobState[] = ['QUEUED', 'SCHEDULED', 'RUNNING', 'SUCCEEDED', 'CANCELLED'];
    const arbitraryJobs = fc.array(
      fc.record({ state: fc.constantFrom(...states), gpus: fc.integer({ min: 1, max: 2 }), gpu: fc.integer({ min: 0, max: 7 }) }),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(arbitraryJobs, (specs) => {
        const taken = new Set<string>();
        const all: GpuAddress[] = inventory.servers.flatMap((s) => Array.from({ length: s.gpus }, (_, index) => ({ server: s.name, index })));
        const jobs = specs.map((spec, i) => {
          let assigned: GpuAddress[] = [];
          if ((spec.state === 'SCHEDULED' || spec.state === 'RUNNING') && !taken.has(gpuKey(all[spec.gpu]))) {
            assigned = [all[spec.gpu]];
            taken.add(gpuKey(all[spec.gpu]));
          }
          const state = assigned.length === 0 && (spec.state === 'SCHEDULED' || spec.state === 'RUNNING') ? 'QUEUED' : spec.state;
          return job(`j${i}`, { state, gpus: assigned.length || spec.gpus, assignedGpus: assigned, createdAt: String(i).padStart(3, '0') });
        });
        const plan = planCycle({ inventory, jobs }, policy);
        const used = new Set(taken);
        for (const p of plan.placements) {
          const servers = new Set(p.gpus.map((g) => g.server));
          assert.equal(servers.size, 1, 'all GPUs of a job are on one server');
          for (const g of p.gpus) {
            assert.ok(!used.has(gpuKey(g)), `GPU ${gpuKey(g)} given twice`);
            used.add(gpuKey(g));
          }
        }
        const queued = jobs.filter((j) => j.state === 'QUEUED').length;
        assert.equal(plan.placements.length + plan.waiting.length, queued, 'every queued job is placed or told why it waits');
      }),
    );
  });
});
