import { execFileSync } from 'node:child_process';

/** What a tensorflow-gpu row's device says when neither the backend nor nvidia-smi names the GPU. */
export const UNKNOWN_GPU = 'GPU (name unknown)';

/** How long nvidia-smi may take to answer, in ms; a hung driver must not hang the job. */
const NVIDIA_SMI_TIMEOUT_MS = 5_000;

/**
 * The GPU names in `nvidia-smi --query-gpu=name --format=csv,noheader` output, one line per GPU:
 * one name, or the names with their counts ("2 × Tesla K80") when there are several; undefined
 * when there is none.
 */
export function parseNvidiaSmiNames(stdout: string): string | undefined {
  const names = stdout
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(No devices were found|NVIDIA-SMI has failed)/i.test(line));
  if (names.length === 0) return undefined;
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts].map(([name, count]) => (count === 1 ? name : `${count} × ${name}`)).join(', ');
}

/** Runs a command and returns its stdout, or undefined where it is missing or fails. */
export type CommandRunner = (command: string, args: readonly string[]) => string | undefined;

const runCommand: CommandRunner = (command, args) => {
  try {
    return execFileSync(command, args, { encoding: 'utf8', timeout: NVIDIA_SMI_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return undefined;
  }
};

/**
 * The name of the GPU a tensorflow-gpu row ran on, from nvidia-smi where the driver installed
 * it, else {@link UNKNOWN_GPU}. The backend cannot say: tfjs-node-gpu's binding tells only
 * whether it uses a GPU (`isUsingGpuDevice`; tfjs#6758 asks for more), and libtensorflow prints
 * the name to its log, not to the process.
 */
export function gpuName(run: CommandRunner = runCommand): string {
  const stdout = run('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader']);
  return (stdout !== undefined ? parseNvidiaSmiNames(stdout) : undefined) ?? UNKNOWN_GPU;
}
