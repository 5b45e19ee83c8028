import { type JobContext } from '@gpulab/compute';
import { memoryCheckpoints } from './memory-checkpoints';

/** What a test gives a job besides its parameters: its input, and the artifacts stored, by id. */
export type TestJobParts = Partial<Pick<JobContext, 'input' | 'labels' | 'inputShape' | 'inputPicture'>> & { artifacts?: Readonly<Record<string, Uint8Array>> };

/**
 * A job context as the worker gives one, in memory: it records the progress and log the job
 * reports, keeps its checkpoints, and reads the artifacts given (no other job's files).
 */
export function testJobContext({ artifacts = {}, ...parts }: TestJobParts): { ctx: JobContext; progress: [number, string][]; logs: string[] } {
  const progress: [number, string][] = [];
  const logs: string[] = [];
  const ctx: JobContext = {
    ...parts,
    progress: async (fraction, message) => void progress.push([fraction, message]),
    log: async (level, message) => void logs.push(`${level}: ${message}`),
    signal: new AbortController().signal,
    checkpoint: memoryCheckpoints(),
    jobFiles: { read: async () => undefined },
    artifacts: { read: async (id) => artifacts[id] },
  };
  return { ctx, progress, logs };
}
