/**
 * The visualization bench's cases as jobs: a local stack (nats-server, scheduler, gateway, a
 * worker process per job), the data uploaded as a CSV with its labels (or, for the 70,000-row
 * cases, the built-in `fashion-mnist`), the job submitted with the tutor's token so it runs on a
 * GPU no slot holds, and its figures read from its result: the phase times and CPU times the
 * worker measured, and the time from submission to the result.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Labels, type Matrix } from '@gpulab/compute';
import { LocalStack } from '@gpulab/local-stack';
import { type GpulabClient } from '@gpulab/sdk';
import { type Measured } from './visualization-peers';

const TUTOR_TOKEN = 'visualization-bench-tutor-token';

export interface JobCase {
  id: string;
  kind: 'tsne' | 'pca';
  /** Uploaded as CSV; without it the job reads the built-in `fashion-mnist` (its first `rows`). */
  data?: { x: Matrix; labels: Labels };
  rows: number;
}

export class VisualizationJobs {
  private constructor(
    private readonly stack: LocalStack,
    private readonly client: GpulabClient,
    private readonly dir: string,
  ) {}

  static async start(dir: string): Promise<VisualizationJobs> {
    const dataDir = join(dir, 'stack');
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(join(dataDir, 'tokens.json'), JSON.stringify({ tutor: TUTOR_TOKEN, teams: {} }), { mode: 0o600 });
    const stack = await LocalStack.start({ dataDir, port: 0, env: { GPULAB_LOG_LEVEL: 'warn' } });
    return new VisualizationJobs(stack, stack.client(TUTOR_TOKEN), dir);
  }

  /** Runs one case as a job; `seconds` is the sum of its phase times, the span a library call is timed over. */
  async run(spec: JobCase): Promise<Measured & { endToEndSeconds: number; uploadSeconds?: number }> {
    let input: { artifactId: string } | { dataset: string } = { dataset: 'fashion-mnist' };
    let uploadSeconds: number | undefined;
    if (spec.data) {
      const path = join(this.dir, `${spec.id}.csv`);
      writeFileSync(path, csv(spec.data.x, spec.data.labels));
      const t0 = performance.now();
      const artifact = await this.client.upload(path, { labelColumn: spec.data.x.cols + 1 });
      uploadSeconds = (performance.now() - t0) / 1000;
      input = { artifactId: artifact.id };
    }
    const params = spec.kind === 'pca' ? { components: 50 } : spec.data ? {} : { rows: spec.rows };
    const t0 = performance.now();
    const { job } = await this.client.submitJob({ kind: spec.kind, input, params: spec.kind === 'pca' && !spec.data ? { ...params, rows: spec.rows } : params });
    const done = await this.client.waitForJob(job.id);
    const endToEndSeconds = (performance.now() - t0) / 1000;
    if (done.state !== 'SUCCEEDED') throw new Error(`the ${spec.id} job ended ${done.state}: ${done.reason ?? ''}`);
    const result = done.result as { timingsMs?: Record<string, number>; cpuMs?: Record<string, number>; kl?: number; knnAccuracy?: number; method?: string; solver?: string };
    const wall = sum(result.timingsMs);
    const cpu = sum(result.cpuMs);
    return {
      seconds: wall > 0 ? wall / 1000 : endToEndSeconds,
      endToEndSeconds,
      uploadSeconds,
      kl: result.kl,
      accuracy: result.knnAccuracy,
      method: result.method ?? result.solver,
      cpuUse: wall > 0 && cpu > 0 ? cpu / wall : undefined,
      timingsMs: result.timingsMs,
      peakMb: NaN,
    };
  }

  async close(): Promise<void> {
    this.client.close();
    await this.stack.close();
  }
}

function sum(times: Record<string, number> | undefined): number {
  return Object.values(times ?? {}).reduce((a, b) => a + b, 0);
}

/** The matrix as CSV, its class code as the last column; integers where the data has them. */
function csv(x: Matrix, labels: Labels): string {
  const lines: string[] = [];
  for (let i = 0; i < x.rows; i++) lines.push(`${Array.from(x.data.subarray(i * x.cols, (i + 1) * x.cols)).join(',')},${labels.names[labels.codes[i]]}`);
  return `${lines.join('\n')}\n`;
}
