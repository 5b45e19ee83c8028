import { type ChildProcess, spawn } from 'node:child_process';
import { runCli as runCliProgram } from '@gpulab/cli';
import { capturedContext } from '@gpulab/cli/testing';
import { GpulabClient } from '@gpulab/sdk';

const cli = require.resolve('@gpulab/cli/main');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A `gpulab` process under way: its output so far, and its end. */
export interface StartedCli {
  readonly child: ChildProcess;
  /** What it has written to stdout and stderr so far. */
  output(): { stdout: string; stderr: string };
  /** Its exit status and all it wrote, once it has exited. */
  readonly done: Promise<CliRun>;
}

/** Starts `gpulab ARGS` as a user would, with its own environment, for a test that signals it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv): StartedCli {
  const child = spawn(process.execPath, [cli, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<CliRun>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  return { child, output: () => ({ stdout, stderr }), done };
}

/** Runs `gpulab ARGS` as a user would, with its own environment. */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return startCli(args, env).done;
}

/**
 * Runs `gpulab ARGS` in this process, against the gateway GPULAB_ADDR names with GPULAB_TOKEN:
 * the same program and output as `runCli`, without starting a Node process for each call. For
 * what a separate process changes (TLS variables, signals, the exit of the process) use `runCli`.
 */
export async function runCliInProcess(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const ctx = { ...capturedContext(() => new GpulabClient({ address: env.GPULAB_ADDR, token: env.GPULAB_TOKEN })), now: () => new Date(), timeZone: undefined };
  const code = await runCliProgram(args, ctx);
  return { code, stdout: ctx.out(), stderr: ctx.err() };
}
