import { isTerminalState, type JobRecord } from '@gpulab/contracts';
import { type StoredJobObject } from '@gpulab/platform';

/**
 * The jobs the retention sweep asks the scheduler about: those whose every result, file and
 * checkpoint was written at or before the cut-off. A job writes them all before it ends, so a
 * job with a newer object ended after the cut-off and need not be asked about; a sweep then
 * costs one request per job that may be due, not one per job stored. `retentionMs` 0 keeps
 * everything.
 */
export function retentionCandidates(objects: readonly StoredJobObject[], nowMs: number, retentionMs: number): string[] {
  if (retentionMs <= 0) return [];
  const newest = new Map<string, number>();
  for (const o of objects) {
    if (o.part !== 'jobOutputBytes') continue;
    newest.set(o.jobId, Math.max(newest.get(o.jobId) ?? -Infinity, o.modifiedMs));
  }
  const cutOff = nowMs - retentionMs;
  return [...newest].filter(([, ms]) => ms <= cutOff).map(([jobId]) => jobId).sort();
}

/**
 * Whether an ended job's outputs are to be deleted now: marked deleted already (a deletion cut
 * short, finished here), or ended `retentionMs` or longer ago. A job that has not ended keeps
 * them, whatever its age: a retried attempt reads its checkpoint.
 */
export function outputsDue(job: Pick<JobRecord, 'state' | 'finishedAt' | 'outputsDeleted'>, nowMs: number, retentionMs: number): boolean {
  if (!isTerminalState(job.state)) return false;
  if (job.outputsDeleted) return true;
  if (retentionMs <= 0 || !job.finishedAt) return false;
  return Date.parse(job.finishedAt) + retentionMs <= nowMs;
}
