import { stat } from 'node:fs/promises';
import { type WorkerDataClient } from '@gpulab/platform';
import { packFolder, unpackFolder, walk } from './folder-archive';

/**
 * GPULAB_CHECKPOINT_DIR kept across attempts: restored from the job's one checkpoint object
 * before the command starts, stored as one archive when it ends or is stopped, and every
 * `intervalMs` while it runs when its contents changed, so an attempt whose worker is killed
 * outright still leaves its latest state for the next.
 */
export class CheckpointFolder {
  private timer?: NodeJS.Timeout;
  private saving: Promise<unknown> = Promise.resolve();
  private storedPrint?: string;
  private hadCheckpoint = false;

  constructor(
    private readonly folder: string,
    private readonly data: WorkerDataClient,
  ) {}

  /** The files restored, or undefined when the job has no checkpoint yet. */
  async restore(): Promise<number | undefined> {
    const bytes = await this.data.read({ kind: 'checkpoint' });
    if (!bytes) return undefined;
    this.hadCheckpoint = true;
    const files = await unpackFolder(bytes, this.folder);
    this.storedPrint = await this.fingerprint();
    return files;
  }

  startPeriodicSave(intervalMs: number): void {
    this.timer = setInterval(() => void this.save(false).catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  /**
   * Stores the folder if it changed since it was last stored (an empty folder with no earlier
   * checkpoint stores nothing); the files stored, or undefined when nothing was. `final` also
   * ends the periodic saves.
   */
  save(final = true): Promise<number | undefined> {
    if (final) clearInterval(this.timer);
    const next = this.saving.then(async () => {
      const print = await this.fingerprint();
      if (print === this.storedPrint || (print === '' && !this.hadCheckpoint)) return undefined;
      const packed = await packFolder(this.folder);
      await this.data.write({ kind: 'checkpoint' }, packed.bytes);
      this.storedPrint = print;
      this.hadCheckpoint = true;
      return packed.files;
    });
    this.saving = next.catch(() => undefined);
    return next;
  }

  /** Names, sizes and modification times: what changes when a script writes its checkpoint. */
  private async fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const path of await walk(this.folder).catch(() => [] as string[])) {
      const info = await stat(path).catch(() => undefined);
      if (info) parts.push(`${path}:${info.size}:${info.mtimeMs}`);
    }
    return parts.join('\n');
  }
}
