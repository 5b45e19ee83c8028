import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ResourceSample } from '@gpulab/contracts';
import { POD_ENTRY_FILES, POD_ENTRY_NAME, POD_ENTRY_SCRIPT } from '@gpulab/run-job';
import { FileTail, PodEntryStarter } from './pod-entry-starter';
import { ResourceSampler } from './resource-sampler';
import { type StartedCommand } from './started-command';

const folders: string[] = [];
after(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function sharedFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gpulab-shared-'));
  folders.push(folder);
  return folder;
}

/** The team's container, played by a real `sh` running the entry as the pod spec has it. */
function teamContainer(shared: string, argv: string[]): { child: ChildProcess; ended: Promise<number | null> } {
  const child = spawn('sh', ['-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...argv], { env: { PATH: process.env.PATH, GPULAB_SHARED_DIR: shared }, stdio: 'ignore' });
  return { child, ended: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

async function text(stream: Readable): Promise<string> {
  let all = '';
  for await (const chunk of stream) all += String(chunk);
  return all;
}

/** The first defined answer of `check`, asked every 50 ms for at most 10 s. */
async function eventually<T>(check: () => T | undefined): Promise<T> {
  const end = Date.now() + 10_000;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

function started(command: StartedCommand | unknown): StartedCommand {
  assert.ok(command && typeof command === 'object' && 'exited' in command, `the command started: ${JSON.stringify(command)}`);
  return command as StartedCommand;
}

describe('a run command in the team container, followed by the worker beside it', () => {
  it('runs with the variables and folder the worker gives, its stdout and stderr apart, and ends with its exit status', async () => {
    const shared = await sharedFolder();
    const work = await sharedFolder();
    const { ended } = teamContainer(shared, ['sh', '-c', 'echo "out $EPOCHS $(pwd)"; echo err >&2; exit 4']);
    const command = started(await new PodEntryStarter(shared, 10_000, new AbortController().signal).start(['ignored'], { cwd: work, env: { EPOCHS: '3' } }));
    const [out, err, exit] = await Promise.all([text(command.stdout), text(command.stderr), command.exited]);
    assert.equal(out, `out 3 ${work}\n`);
    assert.equal(err, 'err\n');
    assert.deepEqual(exit, { kind: 'exited', code: 4 });
    assert.equal(await ended, 4);
  });

  it('stops the command with SIGTERM, then SIGKILL once the grace has passed', async () => {
    const shared = await sharedFolder();
    const { ended } = teamContainer(shared, ['sh', '-c', 'trap "echo ignoring-term" TERM; echo running; while :; do sleep 0.1; done']);
    const command = started(await new PodEntryStarter(shared, 10_000, new AbortController().signal).start([], { cwd: shared, env: {} }));
    let seen = '';
    command.stdout.on('data', (chunk) => (seen += String(chunk)));
    while (!seen.includes('running')) await new Promise((r) => setTimeout(r, 50));
    const t0 = Date.now();
    assert.deepEqual(await command.stop(1500), { killed: true });
    assert.ok(Date.now() - t0 >= 1500, 'the grace was given');
    assert.deepEqual(await command.exited, { kind: 'signal', signal: 'SIGKILL' });
    assert.match(seen, /running\n(.*\n)*ignoring-term/);
    assert.equal(await ended, 137);
  });

  it("finds the command's process group from the entry's pid file, so the worker beside it samples the command's CPU and memory", async () => {
    const shared = await sharedFolder();
    // Busy, then holding a few MB: a sample sees both.
    const { ended } = teamContainer(shared, ['sh', '-c', 'i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; echo busy-done; sleep 2']);
    const command = started(await new PodEntryStarter(shared, 10_000, new AbortController().signal).start([], { cwd: shared, env: {} }));
    const pgid = await eventually(() => command.processGroup());
    const [pid] = (await readFile(join(shared, POD_ENTRY_FILES.pid), 'utf8')).split(' ').map(Number);
    assert.equal(pgid, pid, "the command leads a group of its own, not the entry's");
    const samples: ResourceSample[] = [];
    const sampler = new ResourceSampler(() => command.processGroup(), [], 100, (sample) => samples.push(sample));
    sampler.start();
    await eventually(() => samples.find((s) => s.cpuPercent > 0));
    sampler.stop();
    assert.ok(samples.every((s) => s.rssBytes > 0), 'every sample counts the resident memory of the command');
    await command.exited;
    assert.equal(command.processGroup(), undefined, 'nothing to sample once the command is gone');
    assert.equal(await ended, 0);
  });

  it('makes the stream files itself, so that it may empty them whatever user the team image runs as', async () => {
    const shared = await sharedFolder();
    const starter = new PodEntryStarter(shared, 10_000, new AbortController().signal);
    await writeFile(join(shared, POD_ENTRY_FILES.started), '');
    const command = started(await starter.start([], { cwd: shared, env: {} }));
    for (const name of [POD_ENTRY_FILES.stdout, POD_ENTRY_FILES.stderr]) assert.equal((await stat(join(shared, name))).uid, process.getuid?.());
    assert.equal(command.processGroup(), undefined, 'no pid file yet');
    await writeFile(join(shared, POD_ENTRY_FILES.pid), `${process.pid} 1\n`);
    assert.equal(command.processGroup(), undefined, "a process that is not the entry's child is not sampled");
    await writeFile(join(shared, POD_ENTRY_FILES.exit), '0\n');
    await command.exited;
    await starter.close();
  });

  it('says the image cannot run the entry when the team container never starts it', async () => {
    const shared = await sharedFolder();
    const outcome = await new PodEntryStarter(shared, 300, new AbortController().signal).start([], { cwd: shared, env: {} });
    assert.ok('kind' in outcome && outcome.kind === 'not-started');
    assert.match(outcome.message, /did not start the gpulab entry within 1 s: it needs \/bin\/sh/);
  });

  it('tells a waiting entry to leave when the attempt ends before its command starts', async () => {
    const shared = await sharedFolder();
    const { ended } = teamContainer(shared, ['sh', '-c', 'echo must-not-run']);
    const starter = new PodEntryStarter(shared, 10_000, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 300));
    await starter.close();
    assert.equal(await ended, 0);
  });

  it('empties a stream file once it has read past its bound, and goes on reading what comes after', async () => {
    const shared = await sharedFolder();
    const file = join(shared, 'stdout');
    const tail = new FileTail(file, 10);
    const all = text(tail.stream);
    tail.start();
    await appendFile(file, 'line one\nline two\n');
    while ((await stat(file)).size > 0) await new Promise((r) => setTimeout(r, 50));
    await appendFile(file, 'line three\n');
    await tail.close();
    assert.equal(await all, 'line one\nline two\nline three\n');
  });
});
