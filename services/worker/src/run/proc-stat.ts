import { readdirSync, readFileSync } from 'node:fs';

/** The fields of `/proc/<pid>/stat` the worker uses. */
export interface ProcStat {
  pid: number;
  /** R, S, D, Z (a zombie: gone but not yet reaped), T … */
  state: string;
  ppid: number;
  pgrp: number;
  /** CPU time in clock ticks (user + system). */
  cpuTicks: number;
  /** Resident set size in pages. */
  rssPages: number;
}

/**
 * One `/proc/<pid>/stat` line. The command name is in parentheses and may itself hold spaces
 * and parentheses, so the fields are counted from the last `)`.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const open = text.indexOf('(');
  if (open < 0 || close < open) return undefined;
  const pid = Number(text.slice(0, open).trim());
  // Fields after the name, from field 3 (state): state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime … rss is field 24.
  const rest = text.slice(close + 1).trim().split(/\s+/);
  const field = (n: number) => Number(rest[n - 3]);
  if (!Number.isInteger(pid) || rest.length < 22) return undefined;
  return { pid, state: rest[0], ppid: field(4), pgrp: field(5), cpuTicks: field(14) + field(15), rssPages: field(24) };
}

/** One process's stat; undefined when it is gone (or not visible from this PID namespace). */
export function readProcStat(pid: number, procRoot = '/proc'): ProcStat | undefined {
  try {
    return parseProcStat(readFileSync(`${procRoot}/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The live processes of a process group (zombies left out: a container's first process may
 * never reap them, and they run nothing). Undefined where there is no `/proc`.
 */
export function groupProcesses(pgid: number, procRoot = '/proc'): ProcStat[] | undefined {
  let entries: string[];
  try {
    entries = readdirSync(procRoot);
  } catch {
    return undefined;
  }
  const found: ProcStat[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: ProcStat | undefined;
    try {
      stat = parseProcStat(readFileSync(`${procRoot}/${entry}/stat`, 'utf8'));
    } catch {
      continue; // Gone between the listing and the read.
    }
    if (stat && stat.pgrp === pgid && stat.state !== 'Z') found.push(stat);
  }
  return found;
}
