import { ObjectNames } from '@gpulab/contracts';
import { readObject } from '@gpulab/platform';
import { type ObjectStore } from '@nats-io/obj';

/**
 * A job's checkpoint in the Object Store, one per job: every attempt reads the latest one, so
 * a job preempted at a slot's end, or whose worker was lost, resumes where it saved.
 */
export class CheckpointStore {
  constructor(
    private readonly artifacts: ObjectStore,
    private readonly jobId: string,
    private readonly attempt: number,
  ) {}

  load(): Promise<Uint8Array | undefined> {
    return readObject(this.artifacts, ObjectNames.checkpoint(this.jobId));
  }

  async save(bytes: Uint8Array): Promise<void> {
    await this.artifacts.putBlob({ name: ObjectNames.checkpoint(this.jobId), description: `checkpoint of ${this.jobId}, attempt ${this.attempt}` }, bytes);
  }
}
