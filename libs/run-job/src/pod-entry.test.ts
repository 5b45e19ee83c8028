import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
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

/** The entry as the team's container runs it, under a real `sh` (or `shell`, with `path` as its PATH). */
function startEntry(shared: string, argv: string[], options: { shell?: string[]; path?: string } = {}): { child: ChildProcess; ended: Promise<number | null> } {
  const [program, ...args] = [...(options.shell ?? ['sh']), '-c', POD_ENTRY_SCRIPT, POD_ENTRY_NAME, ...argv];
  const child = spawn(program, args, { env: { PATH: options.path ?? process.env.PATH, GPULAB_SHARED_DIR: shared }, stdio: 'ignore' });
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

/** A command whose child runs on in the background, trapping SIGTERM; it is in the command's group but not the entry's child. */
// "running" comes from the grandchild once its trap is set, so a signal sent on seeing it finds the trap.
const GRANDCHILD_COMMAND = 'sh -c "trap \\"echo grandchild-term; exit 0\\" TERM; echo running; while :; do sleep 0.1; done" & wait; echo child-done';

/** The shells team images have: dash (Debian's sh), busybox ash (Alpine's), bash. */
const SHELLS = [['sh'], ['busybox', 'sh'], ['bash']];

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
    // From sh, or from the setsid that starts the command.
    assert.match(await read(shared, POD_ENTRY_FILES.stderr), /not found|No such file/);
  });

  it('forwards a SIGTERM the container gets to the command and reports how the command ended', async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { child, ended } = startEntry(shared, ['sh', '-c', 'trap "echo stopping; exit 7" TERM; echo running; while :; do sleep 0.1; done']);
    await until('the command runs', () => stdoutOf(shared).includes('running'));
    child.kill('SIGTERM');
    assert.equal(await ended, 7);
    assert.equal(await read(shared, POD_ENTRY_FILES.stdout), 'running\nstopping\n');
  });

  it("forwards the SIGTERM the container's first process gets to the command's whole group", async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { child, ended } = startEntry(shared, ['sh', '-c', GRANDCHILD_COMMAND]);
    await until('the command runs', () => stdoutOf(shared).includes('running'));
    child.kill('SIGTERM');
    assert.equal(await ended, 143);
    assert.match(await read(shared, POD_ENTRY_FILES.stdout), /grandchild-term/);
  });

  it('sends SIGTERM when the worker writes stop and SIGKILL when it writes kill', async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { ended } = startEntry(shared, ['sh', '-c', 'trap "echo term-ignored" TERM; echo running; while :; do sleep 0.1; done']);
    await until('the command runs', () => stdoutOf(shared).includes('running'));
    await writeFile(join(shared, POD_ENTRY_FILES.stop), '');
    await until('the SIGTERM', () => stdoutOf(shared).includes('term-ignored'));
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

  for (const shell of SHELLS) {
    it(`under ${shell.join(' ')}, starts the command as the leader of a group of its own and stops every process of the group, not only the first`, { skip: runs(shell) ? false : `${shell[0]} is not installed` }, async () => {
      const shared = await sharedFolder();
      await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
      // The grandchild is not the entry's child: only a signal to the command's group reaches it.
      const { ended } = startEntry(shared, ['sh', '-c', GRANDCHILD_COMMAND], { shell });
      await until('the command runs', () => stdoutOf(shared).includes('running'));
      const [pid, entryPid] = (await read(shared, POD_ENTRY_FILES.pid)).trim().split(' ').map(Number);
      assert.deepEqual([procStat(pid)?.pgrp, procStat(pid)?.ppid], [pid, entryPid], 'the command leads its group, as the entry\'s child');
      await writeFile(join(shared, POD_ENTRY_FILES.stop), '');
      assert.equal(await ended, 143, 'the command\'s shell had no trap');
      assert.match(await read(shared, POD_ENTRY_FILES.stdout), /grandchild-term/);
    });
  }

  it('kills what of the command\'s group outlives the command before it reports the exit', async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { ended } = startEntry(shared, ['sh', '-c', `sleep 60 & echo $! > "${shared}/leftover"; exit 5`]);
    assert.equal(await ended, 5);
    const leftover = Number(await read(shared, 'leftover'));
    await until('the leftover sleep gone', () => procStat(leftover) === undefined || procStat(leftover)?.state === 'Z');
  });

  it('in a PID namespace shared with other containers (not PID 1), signals the command\'s group and leaves a process beside it alone', { skip: unshareWorks() ? false : 'unshare -rpf is not allowed here' }, async () => {
    const shared = await sharedFolder();
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    // PID 1 plays the pod's pause container; the sibling, of the same user, the worker's container.
    // `kill -- -1` from the entry would reach the sibling; a signal to the command's group does not.
    const pause = [
      'sh -c "$SIBLING" &',
      's=$!',
      'sh -c "$ENTRY" gpulab-entry "$@"',
      'echo "entry $?" > "$GPULAB_SHARED_DIR/pause"',
      'kill -s 0 "$s" && echo sibling-alive >> "$GPULAB_SHARED_DIR/pause"',
      'kill -s KILL "$s"',
    ].join('\n');
    const sibling = 'trap "echo sibling-term >> \\"$GPULAB_SHARED_DIR/sibling\\"; exit 0" TERM; while :; do sleep 0.1; done';
    const child = spawn('unshare', ['-rpf', '--mount-proc', 'sh', '-c', pause, 'pause', 'sh', '-c', GRANDCHILD_COMMAND], {
      env: { PATH: process.env.PATH, GPULAB_SHARED_DIR: shared, ENTRY: POD_ENTRY_SCRIPT, SIBLING: sibling },
      stdio: 'ignore',
    });
    const ended = new Promise((resolve) => child.once('exit', resolve));
    await until('the command runs', () => stdoutOf(shared).includes('running'));
    assert.notEqual((await read(shared, POD_ENTRY_FILES.pid)).trim().split(' ')[1], '1', 'the entry is not PID 1');
    await writeFile(join(shared, POD_ENTRY_FILES.stop), '');
    await ended;
    assert.match(await read(shared, POD_ENTRY_FILES.stdout), /grandchild-term/);
    assert.equal(await read(shared, 'pause'), 'entry 143\nsibling-alive\n');
    assert.equal(existsSync(join(shared, 'sibling')), false, 'the sibling got no signal');
  });

  it('without a setsid in the image, still runs the command and stops its first process', async () => {
    const shared = await sharedFolder();
    const bin = await sharedFolder();
    // An image with a shell and little else: no setsid, no busybox.
    for (const program of ['sh', 'sleep', 'mv']) await symlink(which(program), join(bin, program));
    await writeFile(join(shared, POD_ENTRY_FILES.command), entryCommandFile({}, shared));
    const { ended } = startEntry(shared, ['sh', '-c', 'trap "echo stopping; exit 9" TERM; echo running; while :; do sleep 0.1; done'], { path: bin });
    await until('the command runs', () => stdoutOf(shared).includes('running'));
    await writeFile(join(shared, POD_ENTRY_FILES.stop), '');
    assert.equal(await ended, 9);
    assert.equal(await read(shared, POD_ENTRY_FILES.stdout), 'running\nstopping\n');
  });

  it('reads a status above 128 as the signal that killed the command', () => {
    assert.deepEqual(entryExit('143\n'), { kind: 'signal', signal: 'SIGTERM' });
    assert.deepEqual(entryExit('0'), { kind: 'exited', code: 0 });
    assert.equal(entryExit('half'), undefined);
  });
});

function runs(shell: string[]): boolean {
  return spawnSync(shell[0], [...shell.slice(1), '-c', 'true']).status === 0;
}

function which(program: string): string {
  return spawnSync('sh', ['-c', `command -v ${program}`]).stdout.toString().trim();
}

function stdoutOf(shared: string): string {
  const path = join(shared, POD_ENTRY_FILES.stdout);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/** A process's state, group and parent from /proc; undefined once it is gone. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  try {
    const [state, ppid, pgrp] = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ').slice(-1)[0].split(' ');
    return { state, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined;
  }
}

function unshareWorks(): boolean {
  return spawnSync('unshare', ['-rpf', 'true']).status === 0;
}
