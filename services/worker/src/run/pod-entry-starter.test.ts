import { type ChildProcess, spawn } from 'node:child_process';
import { appendFile, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { POD_ENTRY_NAME, POD_ENTRY_SCRIPT } from '@gpulab/run-job';
import { FileTail, PodEntryStarter } from './pod-entry-starter';
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
