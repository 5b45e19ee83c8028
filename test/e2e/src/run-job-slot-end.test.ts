import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Caller, decodeLogBatch, type JobReply, jobLogsFilter, type LogLine, Nats, ObjectNames, SchedulerSubjects } from '@gpulab/contracts';
import { SchedulerService } from '@gpulab/scheduler';
import { ManualClock, type SchedulerApp, startSchedulerApp } from '@gpulab/scheduler/testing';
import { jetstream } from '@nats-io/jetstream';
import { eventually } from './worker-processes';


const alpha: Caller = { role: 'member', team: 'alpha', name: 'alpha' };

/**
 * Run jobs on the real scheduler and real worker processes, with a clock the test moves, so a
 * slot's end comes when the test wants it; the log is read straight off the GPULAB_LOGS stream.
 */
describe('run jobs at the end of a slot, and their log', () => {
  const work = mkdtempSync(join(tmpdir(), 'gpulab-run-slot-'));
  const clock = new ManualClock(Date.parse('2026-12-01T10:00:00Z'));
  let scheduler: SchedulerApp;
  let seq = 0;

  const job = async (id: string) => (await scheduler.request<JobReply>(SchedulerSubjects.get, { caller: alpha, jobId: id })).job;
  const submit = async (command: string[], params: Record<string, unknown> = {}) =>
    (
      await scheduler.request<JobReply>(SchedulerSubjects.submit, {
        caller: alpha,
        jobId: `j-run${(seq += 1)}`,
        kind: 'run',
        params: { command, ...params },
        input: { source: 'none' },
        gpus: 2,
        priority: false,
        preemptible: false,
      })
    ).job.id;

  before(async () => {
    // The workers inherit it from the scheduler's process, as the local stack passes its own.
    process.env.GPULAB_WORK_DIR = join(work, 'work');
    scheduler = await startSchedulerApp({
      name: 'run-slot-end',
      tokens: { tutor: 't', teams: { alpha: 'a' } },
      options: { gpuLayout: '2', termStart: '2026-12-01', timeZone: 'UTC', workerEntry: require.resolve('@gpulab/worker/main'), preemptGrace: '4s', exitSettle: '100ms', logLevel: 'warn' },
      clock,
    });
    await scheduler.request(SchedulerSubjects.book, { caller: alpha, kind: 'setup', startDate: '2026-12-01' });
    await scheduler.request(SchedulerSubjects.book, { caller: alpha, kind: 'experiment', startDate: '2026-12-03' });
  });

  after(async () => {
    await scheduler?.close();
    delete process.env.GPULAB_WORK_DIR;
    rmSync(work, { recursive: true, force: true });
  });

  it('caps a log flood without blocking the command: the excess counted and dropped with a notice', async () => {
    const started = Date.now();
    const id = await submit(['sh', '-c', 'seq 1 300000; echo last line >&2']);
    const done = await eventually('the job to end', async () => {
      const j = await job(id);
      return j.state === 'SUCCEEDED' || j.state === 'FAILED' ? j : undefined;
    }, 30_000);
    assert.equal(done.state, 'SUCCEEDED', done.reason);
    assert.ok(Date.now() - started < 20_000, 'printing 300,000 lines is not slowed to the log rate');
    const lines = await logLines(id);
    const stdout = lines.filter((l) => l.stream === 'stdout');
    assert.ok(stdout.length >= 1000 && stdout.length < 100_000, `kept ${stdout.length} stdout lines`);
    assert.deepEqual(stdout.slice(0, 3).map((l) => l.text), ['1', '2', '3']);
    assert.ok(lines.some((l) => l.stream === 'gpulab' && /^\d+ lines \(.*\) dropped: output faster than 1000 lines/.test(l.text)));
    assert.ok(lines.every((l, i) => i === 0 || l.at >= lines[i - 1].at), 'lines are stamped in order');
  });

  it('at the slot end, a script that traps SIGTERM writes its checkpoint and resumes from it in the next slot', async () => {
    const pidFile = join(work, 'trap.pid');
    const script = [
      `if [ -f "$GPULAB_CHECKPOINT_DIR/state" ]; then cp "$GPULAB_CHECKPOINT_DIR/state" "$GPULAB_OUTPUTS/resumed-from.txt"; exit 0; fi`,
      `trap 'cat "$GPULAB_STOP_DEADLINE_FILE" > /dev/null && echo "saved at attempt $GPULAB_ATTEMPT" > "$GPULAB_CHECKPOINT_DIR/state"; exit 0' TERM`,
      `echo $$ > ${pidFile}`,
      'while true; do sleep 0.1; done',
    ].join('\n');
    const id = await submit(['sh', '-c', script], { timeout: '2d' });
    await eventually('the command to start', () => (existsSync(pidFile) ? true : undefined));
    const running = await job(id);
    assert.equal(running.slotEndsAt, '2026-12-02T00:00:00.000Z');
    const note = await eventually('the clipping note', async () => (await logLines(id)).find((l) => l.stream === 'gpulab' && /timeout goes past the slot's end/.test(l.text)));
    assert.match(note.text, /runs until the slot ends at 2026-12-02T00:00:00.000Z/);

    clock.set('2026-12-02T00:00:01Z');
    await scheduler.app.get(SchedulerService).wake();
    const requeued = await eventually('requeued', async () => {
      const j = await job(id);
      return j.state === 'QUEUED' && j.attempt === 1 ? j : undefined;
    });
    assert.match(requeued.reason ?? '', /the team's slot has ended; queued again/);

    clock.set('2026-12-03T00:00:01Z');
    await scheduler.app.get(SchedulerService).wake();
    const resumed = await eventually('the next attempt to succeed', async () => {
      const j = await job(id);
      return j.state === 'SUCCEEDED' ? j : undefined;
    }, 30_000);
    assert.equal(resumed.attempt, 2);
    const file = await scheduler.resources.artifacts.getBlob(ObjectNames.output(id, 'resumed-from.txt'));
    assert.equal(Buffer.from(file ?? new Uint8Array()).toString(), 'saved at attempt 1\n');
    const pgid = Number(readFileSync(pidFile, 'utf8'));
    assert.throws(() => process.kill(-pgid, 0), 'the first attempt left no process');
  });

  /** Every line of the job's log, read with a consumer of its own on GPULAB_LOGS. */
  async function logLines(id: string): Promise<LogLine[]> {
    const consumer = await jetstream(scheduler.nc).consumers.get(Nats.logsStream, { filter_subjects: jobLogsFilter(id) });
    const lines: LogLine[] = [];
    for (;;) {
      const message = await consumer.next({ expires: 2000 });
      if (!message) return lines;
      lines.push(...(decodeLogBatch(message.data)?.lines ?? []));
      if (message.info.pending === 0) return lines;
    }
  }
});
