import { constants } from 'node:os';
import { type CommandExit } from './command-exit';

/**
 * In cluster mode a `run` job's command runs in the team's own image, and the worker beside it
 * in a sidecar container. The two share one `emptyDir` (`GPULAB_SHARED_DIR`) and talk through
 * files in it, named here once for both ends:
 *
 * - the entry writes `started` as soon as it runs (the image has a shell);
 * - the worker prepares the attempt's folders in the shared folder, then writes `command.sh`
 *   (the command's variables and working directory), which the entry waits for and sources;
 *   `abort` instead, when the attempt ends before its command could start;
 * - the worker makes `stdout` and `stderr` (so it may empty them, whatever user the image runs
 *   as), and the entry appends the command's output to them, which the worker tails;
 * - the entry writes the command's process id and its own to `pid` (renamed into place), so the
 *   worker, in the pod's one PID namespace, samples the command's process group;
 * - the worker asks for a stop with `stop` (SIGTERM) and `kill` (SIGKILL); the kubelet's own
 *   SIGTERM at the pod's deletion is forwarded the same way;
 * - the entry writes the exit status to `exit` (renamed into place, so it is whole when seen).
 */
export const POD_ENTRY_FILES = {
  started: 'started',
  command: 'command.sh',
  abort: 'abort',
  stdout: 'stdout',
  stderr: 'stderr',
  pid: 'pid',
  stop: 'stop',
  kill: 'kill',
  exit: 'exit',
} as const;

/** `$0` of the entry, as `ps` in the main container shows it. */
export const POD_ENTRY_NAME = 'gpulab-entry';

/** After a stop, how long the rest of the command's group may take once its first process ended. */
export const POD_ENTRY_GROUP_GRACE_S = 3;

/**
 * The entry the team's container runs: `sh -c "$POD_ENTRY_SCRIPT" gpulab-entry CMD ARG…`.
 * POSIX sh only (dash, busybox ash, bash), since a team's image may have no Node; inlined in the
 * pod's spec rather than copied in by an init container, so the image needs nothing of gpulab's.
 *
 * The pod shares one PID namespace (`shareProcessNamespace`), so the entry is not PID 1 and
 * `kill -- -1` would reach the worker's processes too. The command instead starts as the leader
 * of a session and process group of its own, through `setsid` (util-linux, or busybox's
 * applet): `set -m` would do it without a program, but dash and busybox sh give up job control
 * without a terminal, and a container has none. Without a `setsid` the command shares the
 * entry's group, and a stop reaches its first process only. Signals go to the group while it
 * exists, else (not made yet, or no `setsid`) to the process. The entry's own `sleep`s stay in
 * its group, out of the way. The wait loop sleeps in the background and `wait`s for it, so a
 * trapped signal (the kubelet's SIGTERM to the container's first process) is forwarded at once.
 * Whatever of the group outlives the command is killed, as the local worker kills what a
 * command left behind; after a stop, the group's other processes first get up to
 * `POD_ENTRY_GROUP_GRACE_S` seconds to finish their own handlers (a launcher that dies at once
 * on SIGTERM must not cut short its workers' checkpoint writes; the pod's deletion grace period
 * still bounds it all). A command killed by a signal exits, as shells report it, with 128 + the
 * signal's number. (`kill -s SIG -- -PGID`: dash reads a negative PID only in this form.)
 */
export const POD_ENTRY_SCRIPT = `set -u
d="\${GPULAB_SHARED_DIR:?GPULAB_SHARED_DIR is not set}"
finish() {
  printf '%s\\n' "$1" > "$d/${POD_ENTRY_FILES.exit}.part" && mv "$d/${POD_ENTRY_FILES.exit}.part" "$d/${POD_ENTRY_FILES.exit}"
  exit "$1"
}
: > "$d/${POD_ENTRY_FILES.started}" || exit 125
trap 'finish 143' TERM INT HUP
while [ ! -e "$d/${POD_ENTRY_FILES.command}" ]; do
  [ -e "$d/${POD_ENTRY_FILES.abort}" ] && exit 0
  sleep 1 &
  wait $! 2>/dev/null
done
. "$d/${POD_ENTRY_FILES.command}"
if command -v setsid >/dev/null 2>&1; then set -- setsid "$@"
elif busybox setsid true >/dev/null 2>&1; then set -- busybox setsid "$@"
fi
"$@" </dev/null >>"$d/${POD_ENTRY_FILES.stdout}" 2>>"$d/${POD_ENTRY_FILES.stderr}" &
pid=$!
signal() {
  [ "$1" = TERM ] && stopping=1
  kill -s "$1" -- "-$pid" 2>/dev/null || kill -s "$1" "$pid" 2>/dev/null
}
trap 'signal TERM' TERM INT HUP
printf '%s %s\\n' "$pid" "$$" > "$d/${POD_ENTRY_FILES.pid}.part" && mv "$d/${POD_ENTRY_FILES.pid}.part" "$d/${POD_ENTRY_FILES.pid}"
stopping=
while kill -s 0 "$pid" 2>/dev/null; do
  if [ -e "$d/${POD_ENTRY_FILES.kill}" ]; then
    signal KILL
  elif [ -z "$stopping" ] && [ -e "$d/${POD_ENTRY_FILES.stop}" ]; then
    stopping=1
    signal TERM
  fi
  sleep 1 &
  wait $! 2>/dev/null
done
wait "$pid"
status=$?
if [ -n "$stopping" ]; then
  n=0
  while [ "$n" -lt ${POD_ENTRY_GROUP_GRACE_S} ] && kill -s 0 -- "-$pid" 2>/dev/null; do
    sleep 1
    n=$((n + 1))
  done
fi
kill -s KILL -- "-$pid" 2>/dev/null
finish "$status"
`;

/** A word quoted for sh: in single quotes, each `'` as `'\''`. */
export function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * The `command.sh` the entry sources: the command's variables exported and its working
 * directory entered. Pure: what the worker would give a local command, said in sh.
 */
export function entryCommandFile(env: Readonly<Record<string, string | undefined>>, cwd: string): string {
  const lines = Object.entries(env)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && /^[A-Za-z_][A-Za-z0-9_]*$/.test(entry[0]))
    .map(([key, value]) => `export ${key}=${shellQuote(value)}`);
  // `finish` and `$d` are the entry's: a folder that cannot be entered ends the attempt as a shell would, 126.
  return [...lines, `cd ${shellQuote(cwd)} 2>>"$d/${POD_ENTRY_FILES.stderr}" || finish 126`, ''].join('\n');
}

/** The command's end from the status the entry wrote: above 128, the signal that killed it, as shells report it. */
export function entryExit(text: string): CommandExit | undefined {
  const trimmed = text.trim();
  if (!/^\d{1,3}$/.test(trimmed)) return undefined;
  const code = Number(trimmed);
  const signal = code > 128 ? Object.entries(constants.signals as Record<string, number>).find(([, n]) => n === code - 128)?.[0] : undefined;
  return signal ? { kind: 'signal', signal } : { kind: 'exited', code };
}
