import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { REPO_PATHS, REPO_ROOT } from './repo-paths';

const run = promisify(execFile);

/** One object of a rendered chart, as far as every check reads it. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

export interface RenderOptions {
  /** Values files, relative to the repository root, applied in order over the chart's defaults. */
  valuesFiles?: string[];
  /** `--set` assignments (`nats.replicas=5`). */
  set?: string[];
  /** @default 'gpulab' */
  releaseName?: string;
  /** @default 'gpulab' */
  namespace?: string;
}

/** `helm` output of a command that failed: its message is what an operator would read. */
export class HelmCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`helm ${args.join(' ')} failed: ${stderr.trim()}`);
    this.name = 'HelmCommandError';
  }
}

/** Runs helm on the repository's chart; rejects with {@link HelmCommandError} when helm refuses. */
export async function helm(binary: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run(binary, args, { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, HELM_CACHE_HOME: join(REPO_ROOT, 'node_modules', '.cache', 'helm-home') } });
    return stdout;
  } catch (error) {
    throw new HelmCommandError(args, (error as { stderr?: string }).stderr ?? String(error));
  }
}

function valueArgs(options: RenderOptions): string[] {
  return [...(options.valuesFiles ?? []).flatMap((file) => ['-f', file]), ...(options.set ?? []).flatMap((assignment) => ['--set', assignment])];
}

/** `helm lint --strict` with these values; resolves to helm's report. */
export function lintChart(binary: string, options: RenderOptions = {}): Promise<string> {
  return helm(binary, ['lint', '--strict', REPO_PATHS.chart, ...valueArgs(options)]);
}

/** Every object `helm template` renders with these values, parsed. */
export async function renderChart(binary: string, options: RenderOptions = {}): Promise<Manifest[]> {
  const text = await helm(binary, ['template', options.releaseName ?? 'gpulab', REPO_PATHS.chart, '--namespace', options.namespace ?? 'gpulab', ...valueArgs(options)]);
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`helm rendered a document that is not YAML: ${doc.errors[0].message}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}
