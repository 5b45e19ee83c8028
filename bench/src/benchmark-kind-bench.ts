/**
 * The `benchmark` job kind on this machine, as a worker runs it, with its variants side by side
 * in one run (so they share the same load from other processes). Prints Markdown tables. Usage:
 *
 *   npm run bench:benchmark-kind [-- --images N]      ResNet-50 at 224 on wasm: threads and batch sizes
 *   npm run bench:benchmark-kind -- --lecture          the README's table: every model on every backend
 *
 * Each row says the machine's load average (`uptime`) when it started: other people's builds on
 * the same cores slow a row down, and shareOfPeak tells a slow network from a busy machine only
 * when the load stayed the same through the matMul and the batches.
 */
import { loadavg } from 'node:os';
import { type JobContext } from '@gpulab/compute';
import { benchmarkKind, installedBackends } from '@gpulab/neural';
import { printMarkdownTable } from './stats';

interface Variant {
  label: string;
  params: Record<string, string>;
}

/** A job's context with nowhere to store anything: a benchmark reads no input and writes no file. */
function benchContext(): JobContext {
  return {
    progress: async () => undefined,
    log: async (level, message) => console.error(`${level}: ${message}`),
    signal: new AbortController().signal,
    checkpoint: { load: async () => undefined, save: async () => undefined },
    jobFiles: { read: async () => undefined },
    artifacts: { read: async () => undefined },
  };
}

const fixed = (value: number, digits: number) => (Number.isFinite(value) ? value.toFixed(digits) : '-');

async function runVariant(variant: Variant): Promise<string[][]> {
  const load = loadavg()[0].toFixed(2);
  const { result } = await benchmarkKind.run(benchContext(), benchmarkKind.compile(variant.params, undefined));
  return (result.rows as Record<string, unknown>[]).map((row) => {
    if ('error' in row) return [variant.label, String(row.backend), '-', '-', '-', '-', '-', '-', `error: ${String(row.error)}`, load];
    const n = (key: string) => Number(row[key]);
    return [
      variant.label,
      String(row.backend),
      String(row.threads),
      fixed(n('secondsPer1000Images'), 1),
      fixed(n('imagesPerSecond'), 2),
      fixed(n('flopsPerImage') / 1e9, 3),
      fixed(n('gflopsPerSecond'), 1),
      fixed(n('matMulGflopsPerSecond'), 1),
      `${fixed(100 * n('shareOfPeak'), 0)}%`,
      load,
    ];
  });
}

const HEADER = ['variant', 'backend', 'threads', 's / 1,000 images', 'images/s', 'GFLOP/image', 'GFLOP/s', 'matMul GFLOP/s', 'share of peak', 'load (1 min)'];

/** ResNet-50 at 224 on wasm: one thread against one per core, and the batch sizes. */
function wasmVariants(images: number): Variant[] {
  const resnet = (batchSize: number, wasmThreads: number): Variant => ({
    label: `resnet50 224, batch ${batchSize}, ${wasmThreads === 0 ? 'a thread per core' : `${wasmThreads} thread`}`,
    params: { model: 'resnet50', inputSize: '224', images: String(images), batchSize: String(batchSize), backends: 'wasm', wasmThreads: String(wasmThreads) },
  });
  return [resnet(8, 1), resnet(8, 0), resnet(4, 0), resnet(16, 0)];
}

/** The lecture's table: each model on each installed backend; the cpu backend on few images, it takes seconds an image. */
function lectureVariants(images: number): Variant[] {
  const models = [
    ['resnet50', '224', 2],
    ['mobilenetv2', '224', 8],
    ['course-cnn', '32', 64],
  ] as const;
  return installedBackends().flatMap((backend) =>
    models.map(([model, inputSize, cpuImages]) => {
      const count = backend === 'cpu' ? Math.min(images, cpuImages) : model === 'course-cnn' ? images * 16 : images;
      const batchSize = Math.min(count, model === 'course-cnn' ? 64 : 8);
      return { label: `${model} ${inputSize}, ${count} images, batch ${batchSize}`, params: { model, inputSize, images: String(count), batchSize: String(batchSize), backends: backend } };
    }),
  );
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const at = args.indexOf('--images');
  const images = at >= 0 ? Number(args[at + 1]) : 32;
  const variants = args.includes('--lecture') ? lectureVariants(images) : wasmVariants(images);
  const rows: string[][] = [];
  for (const variant of variants) {
    console.error(`running ${variant.label} …`);
    rows.push(...(await runVariant(variant)));
  }
  console.log();
  printMarkdownTable(HEADER, rows);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
