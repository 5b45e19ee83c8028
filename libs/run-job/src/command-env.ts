import { type GpuAddress } from '@gpulab/contracts';

/** Variables gpulab sets for every command; a job's `env` may not set them. */
export function isReservedVariable(name: string): boolean {
  return name.startsWith('GPULAB_') || name === 'CUDA_VISIBLE_DEVICES';
}

/** The folders an attempt's command works in, all under the worker's work directory. */
export interface CommandFolders {
  workdir: string;
  inputs: string;
  data: string;
  outputs: string;
  checkpoint: string;
  /** The file a progress line may be written to. */
  progressFile: string;
  /** The file the stop deadline is written to when a stop notice arrives. */
  stopDeadlineFile: string;
}

/** What the command's environment is built from. */
export interface CommandEnvSpec {
  /** What the worker's own environment passes on (PATH, HOME, LANG …), filtered by {@link inheritedEnv}. */
  base: NodeJS.ProcessEnv;
  /** The job's own `env`, already checked. */
  jobEnv: Readonly<Record<string, string>>;
  jobId: string;
  attempt: number;
  team: string;
  gpus: readonly GpuAddress[];
  folders: CommandFolders;
  /** ISO-8601: the attempt's timeout or slot end, where it has one. */
  deadline?: string;
}

/**
 * What of the worker's environment a command sees: nothing of gpulab's (the attempt's NATS
 * credentials must not reach a team's code), everything else (PATH, HOME, a conda setup).
 */
export function inheritedEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key, value]) => value !== undefined && !isReservedVariable(key) && !key.startsWith('NATS_')));
}

/** The command's whole environment: pure, so a test sees exactly what a job sees. */
export function buildCommandEnv(spec: CommandEnvSpec): NodeJS.ProcessEnv {
  const { folders } = spec;
  return {
    ...inheritedEnv(spec.base),
    ...spec.jobEnv,
    // Text written to a pipe is block-buffered by Python unless told otherwise; a log must follow it line by line.
    PYTHONUNBUFFERED: spec.jobEnv.PYTHONUNBUFFERED ?? '1',
    CUDA_VISIBLE_DEVICES: spec.gpus.map((g) => g.index).join(','),
    GPULAB_GPUS: spec.gpus.map((g) => `${g.server}:${g.index}`).join(','),
    GPULAB_JOB_ID: spec.jobId,
    GPULAB_ATTEMPT: String(spec.attempt),
    GPULAB_TEAM: spec.team,
    GPULAB_INPUTS: folders.inputs,
    GPULAB_DATA: folders.data,
    GPULAB_OUTPUTS: folders.outputs,
    GPULAB_CHECKPOINT_DIR: folders.checkpoint,
    GPULAB_PROGRESS: folders.progressFile,
    GPULAB_STOP_DEADLINE_FILE: folders.stopDeadlineFile,
    ...(spec.deadline ? { GPULAB_DEADLINE: spec.deadline } : {}),
  };
}
