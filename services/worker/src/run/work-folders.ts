import { readFileSync } from 'node:fs';
import { appendFile, chmod, mkdir, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { type CommandFolders } from '@gpulab/run-job';
import { signalGroup } from './process-group';
import { groupProcesses } from './proc-stat';

/** The file, per job, that lists the process groups its attempts started (`attempt pgid` a line). */
const GROUPS_FILE = 'process-groups';

/** The folders of one attempt, made fresh under `<workDir>/<jobId>/<attempt>/`. */
export async function makeAttemptFolders(workDir: string, jobId: string, attempt: number, dataMounts: Readonly<Record<string, string>>): Promise<CommandFolders> {
  const root = join(workDir, jobId, String(attempt));
  await rm(root, { recursive: true, force: true });
  const folders: CommandFolders = {
    workdir: join(root, 'work'),
    inputs: join(root, 'inputs'),
    data: join(root, 'data'),
    outputs: join(root, 'outputs'),
    checkpoint: join(root, 'checkpoint'),
    progressFile: join(root, 'progress.jsonl'),
    stopDeadlineFile: join(root, 'stop-deadline'),
  };
  for (const folder of [folders.workdir, folders.inputs, folders.data, folders.outputs, folders.checkpoint]) await mkdir(folder, { recursive: true });
  // The course's data folders as links, in a folder the command cannot add to: the folders
  // themselves are as read-only as the machine makes them (tutors mount them so).
  for (const [name, path] of Object.entries(dataMounts)) await symlink(path, join(folders.data, name));
  await chmod(folders.data, 0o555);
  return folders;
}

/** Removes an attempt's folders once everything worth keeping was stored. */
export async function removeAttemptFolders(workDir: string, jobId: string, attempt: number): Promise<void> {
  const root = join(workDir, jobId, String(attempt));
  await chmod(join(root, 'data'), 0o755).catch(() => undefined);
  await rm(root, { recursive: true, force: true });
}

/** Notes the group an attempt's command leads, so a later attempt can find it if this worker dies. */
export async function recordGroup(workDir: string, jobId: string, attempt: number, pgid: number): Promise<void> {
  await mkdir(join(workDir, jobId), { recursive: true });
  await appendFile(join(workDir, jobId, GROUPS_FILE), `${attempt} ${pgid}\n`);
}

/**
 * Kills what earlier attempts of the job left running on this machine (their worker was killed
 * before it could stop them), and removes their folders. Answers the attempts it killed.
 */
export async function killLeftovers(workDir: string, jobId: string, attempt: number): Promise<number[]> {
  const text = await readFile(join(workDir, jobId, GROUPS_FILE), 'utf8').catch(() => '');
  const killed: number[] = [];
  for (const line of text.split('\n')) {
    const [earlier, pgid] = line.split(' ').map(Number);
    if (!Number.isInteger(earlier) || earlier >= attempt || !Number.isInteger(pgid) || pgid <= 1) continue;
    if (isJobsGroup(pgid, jobId)) {
      signalGroup(pgid, 'SIGKILL');
      killed.push(earlier);
    }
    await removeAttemptFolders(workDir, jobId, earlier);
  }
  return killed;
}

/**
 * Whether a live process of group `pgid` is one of the job's commands: its environment names the
 * job. A group id is a pid, and pids are reused; an unrelated group that got the number since is
 * left alone.
 */
function isJobsGroup(pgid: number, jobId: string): boolean {
  return (groupProcesses(pgid) ?? []).some((p) => {
    try {
      return readFileSync(`/proc/${p.pid}/environ`, 'utf8').split('\0').includes(`GPULAB_JOB_ID=${jobId}`);
    } catch {
      return false;
    }
  });
}
