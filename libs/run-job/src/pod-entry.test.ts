import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entryCommandFile, entryExit, POD_ENTRY_FILES, POD_ENTRY_NAME, POD_ENTRY_SCRIPT } from './pod-entry';

const folders: string[] = [];
after(async () => {
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

async function sharedFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'gpulab-entry-'));
  folders.push(folder);
  return folder;
}

/** The entry as the team's container runs it, under a real `sh`; `prefix` runs it inside another program (unshare). */
function startEntry(shared: string, argv: string[], prefix: string[] = []): { child: ChildProcess; ended: Promise<number | null> } {
  const [program, ...args] = [...prefix, 'sh', '-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...argv];
  const child = spawn(program, args, { env: { PATH: process.env.PATH, GPULAB_SHARED_DIR: shared }, stdio: 'ignore' });
  const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, ended };
}

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const read = (shared: string, file: string) => readFile(join(shared, file), 'utf8');

describe('the pod entry script', () => {
  it('waits for the worker, then runs the command with its variables and folder, stdout and stderr apart, and writes its exit status', async () => {
    const shared = await sharedFolder();
    const work = await sharedFolder();
    const { ended } = startEntry(shared, ['sh', '-c', 'echo "out $GREETING $(pwd)"; echo err >&2; exit 3']);
    await until('started', () => existsSync(join(shared, POD_ENTRY_FILES.started)));
    assert.equal(existsSync(join(shared, POD_ENTRY_FILES.stdout)), false, 'the command waits for command.sh');
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({ GREETING: "it's $HOME `x`" }, work));
    assert.equal(await ended, 3);
    assert.equal(await read(shared, POD_ENTRY_FILES.stdout), `out it's $HOME \`x\` ${work}\n`);
    assert.equal(await read(shared, POD_ENTRY_FILES.stderr), 'err\n');
    assert.deepEqual(entryExit(await read(shared, POD_ENTRY_FILES.exit)), { kind: 'exited', code: 3 });
  });

  it('ends a program that does not exist with 127, as a shell reports it', async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { ended } = startEntry(shared, ['no-such-program-here']);
    assert.equal(await ended, 127);
    assert.equal((await read(shared, POD_ENTRY_FILES.exit)).trim(), '127');
    assert.match(await read(shared, POD_ENTRY_FILES.stderr), /not found/);
  });

  it('forwards a SIGTERM the container gets to the command and reports how the command ended', async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { child, ended } = startEntry(shared, ['sh', '-c', 'trap "echo stopping; exit 7" TERM; echo running; while :; do sleep 0.1; done']);
    await until('the command runs', () => existsSync(join(shared, POD_ENTRY_FILES.stdout)) && spawnSync('cat', [join(shared, POD_ENTRY_FILES.stdout)]).stdout.toString().includes('running'));
    child.kill('SIGTERM');
    assert.equal(await ended, 7);
    assert.equal(await read(shared, POD_ENTRY_FILES.stdout), 'running\nstopping\n');
  });

  it('sends SIGTERM when the worker writes stop and SIGKILL when it writes kill', async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { ended } = startEntry(shared, ['sh', '-c', 'trap "echo term-ignored" TERM; echo running; while :; do sleep 0.1; done']);
    await until('the command runs', () => existsSync(join(shared, POD_ENTRY_FILES.stdout)) && spawnSync('cat', [join(shared, POD_ENTRY_FILES.stdout)]).stdout.toString().includes('running'));
    await writeFile(join(shared, POD_ENTRY_FILES.stop), '');
    await until('the SIGTERM', () => spawnSync('cat', [join(shared, POD_ENTRY_FILES.stdout)]).stdout.toString().includes('term-ignored'));
    await writeFile(join(shared, POD_ENTRY_FILES.kill), '');
    assert.equal(await ended, 137);
    assert.deepEqual(entryExit(await read(shared, POD_ENTRY_FILES.exit)), { kind: 'signal', signal: 'SIGKILL' });
  });

  it('leaves without running anything when the worker writes abort', async () => {
    const shared = await sharedFolder();
    const { ended } = startEntry(shared, ['sh', '-c', 'echo ran']);
    await until('started', () => existsSync(join(shared, POD_ENTRY_FILES.started)));
    await writeFile(join(shared, POD_ENTRY_FILES.abort), '');
    assert.equal(await ended, 0);
    assert.equal(existsSync(join(shared, POD_ENTRY_FILES.stdout)), false);
    assert.equal(existsSync(join(shared, POD_ENTRY_FILES.exit)), false);
  });

  it('as PID 1 of its own PID namespace stops every process the command started, not only the first', { skip: unshareWorks() ? false : 'unshare -rpf is not allowed here' }, async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    // The grandchild is not the entry's child: only a signal to every process of the namespace reaches it.
    const { ended } = startEntry(shared, ['sh', '-c', 'sh -c "trap \\"echo grandchild-term; exit 0\\" TERM; while :; do sleep 0.1; done" & echo running; wait; echo child-done'], ['unshare', '-rpf', '--mount-proc']);
    await until('the command runs', () => existsSync(join(shared, POD_ENTRY_FILES.stdout)) && spawnSync('cat', [join(shared, POD_ENTRY_FILES.stdout)]).stdout.toString().includes('running'));
    await writeFile(join(shared, POD_ENTRY_FILES.stop), '');
    await ended;
    const out = await read(shared, POD_ENTRY_FILES.stdout);
    assert.match(out, /grandchild-term/);
  });

  it('reads a status above 128 as the signal that killed the command', () => {
    assert.deepEqual(entryExit('143\n'), { kind: 'signal', signal: 'SIGTERM' });
    assert.deepEqual(entryExit('0'), { kind: 'exited', code: 0 });
    assert.equal(entryExit('half'), undefined);
  });
});

function unshareWorks(): boolean {
  return spawnSync('unshare', ['-rpf', 'true']).status === 0;
}
