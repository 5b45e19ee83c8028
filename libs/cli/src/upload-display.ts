import { type UploadProgress } from '@gpulab/sdk';
import { FinishDisplay } from './finish-display';
import { formatBytes } from './format';
import { TransferDisplay } from './transfer-display';

/**
 * What `gpulab upload` shows on stderr: the bytes going out, a note when the stream broke and
 * the upload went on, the gateway's finish, and at the end how long each part took. Kept apart
 * from the command so the command only says what to upload and what to print.
 */
export class UploadDisplay {
  private readonly sending: TransferDisplay;
  private readonly finishing: FinishDisplay;
  private readonly marks: Partial<Record<UploadProgress['phase'] | 'start', number>>;
  private resumes = 0;
  private totalBytes = 0;
  /** What the gateway had before this run sent anything: a resumed upload does not send it again. */
  private arrivedBefore?: number;
  /** The upload's id as soon as the gateway gave one, for the hint to resume it. */
  uploadId?: string;

  /** `quiet`: `--json` asked, so the gateway's finish is not drawn (the summary still is). */
  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly quiet: boolean,
    private readonly clock: () => number = () => performance.now(),
  ) {
    this.sending = new TransferDisplay('uploading', out);
    this.finishing = new FinishDisplay(out);
    this.marks = { start: clock() };
  }

  /** Takes one report of the SDK's upload. */
  update(p: UploadProgress): void {
    if (p.uploadId) this.uploadId = p.uploadId;
    this.totalBytes = p.totalBytes;
    this.marks[p.phase] ??= this.clock();
    if (p.resumes > this.resumes) {
      this.resumes = p.resumes;
      this.sending.note(`the connection broke; going on from the ${formatBytes(p.sentBytes)} that arrived`);
    }
    if (p.phase === 'sending') {
      this.arrivedBefore ??= p.sentBytes;
      this.sending.update(p.sentBytes, p.totalBytes);
    }
    if (p.phase === 'finishing' && !p.finishingMs) {
      this.sending.update(p.totalBytes, p.totalBytes);
      this.sending.stop();
    }
    if (p.phase === 'finishing' && !this.quiet) this.finishing.update(p);
  }

  /** Ends the bars and says what this run sent (not what an earlier one did), how fast, and how long the gateway took to store it. */
  done(): void {
    this.stop();
    const done = this.clock();
    const { start = done, sending = start, finishing = done } = this.marks;
    const sent = this.totalBytes - (this.arrivedBefore ?? 0);
    const sendSeconds = (finishing - sending) / 1000;
    this.out.write(
      `sent ${formatBytes(sent)} in ${sendSeconds.toFixed(2)} s (${formatBytes(sent / Math.max(sendSeconds, 1e-3))}/s), stored in ${((done - finishing) / 1000).toFixed(2)} s; ${((done - start) / 1000).toFixed(2)} s in all\n`,
    );
  }

  /** Ends the bars, e.g. when the upload failed; safe to call twice. */
  stop(): void {
    this.sending.stop();
    this.finishing.stop();
  }
}
