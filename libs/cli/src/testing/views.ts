import { type ArtifactView, type BenchmarkHistoryRow, type JobEventView, type JobView, type StorageUsage } from '@gpulab/sdk';
import { type BenchScheduleRow } from '../bench-schedule-format';

/** A job as the SDK returns it: a finished PCA of team delta unless `overrides` say otherwise. */
export function aJob(overrides: Partial<JobView> = {}): JobView {
  return {
    id: 'j-01m8rbq2x5f3k9w7d1h4c6n0ta',
    team: 'delta',
    kind: 'pca',
    state: 'SUCCEEDED',
    params: {},
    gpus: 1,
    assignedGpus: [{ server: 's1', index: 0 }],
    attempt: 1,
    attempts: [],
    submittedBy: 'ada',
    createdAt: new Date('2026-12-01T08:00:00Z'),
    startedAt: new Date('2026-12-01T08:00:03Z'),
    finishedAt: new Date('2026-12-01T08:00:15.400Z'),
    backend: 'cpu',
    ...overrides,
  };
}

/** A t-SNE result as the kind writes it: nested timings, a KL history, and its points in a file. */
export function aTsneResult(points = 1797): Record<string, unknown> {
  return {
    points,
    kl: 0.8123456,
    method: 'barnes-hut',
    perplexity: 30,
    iterations: 1000,
    timingsMs: { reduction: 12, neighbours: 340, affinities: 95, optimization: 8210 },
    klHistory: Array.from({ length: 20 }, (_, i) => ({ iteration: (i + 1) * 50, kl: Number((3 - i * 0.11).toFixed(4)) })),
    files: [
      { name: 'embedding.npy', bytes: points * 2 * 4 + 128 },
      { name: 'embedding.png', bytes: 48_213 },
    ],
    embedding: Array.from({ length: points }, (_, i) => [i / 10, -i / 20]),
  };
}

/** A train-classifier result: its epochs, the backend as an object, the rows of each split. */
export function aTrainingResult(): Record<string, unknown> {
  return {
    testAccuracy: 0.9712,
    history: [
      { epoch: 1, loss: 0.4121, accuracy: 0.8812, valLoss: 0.2213, valAccuracy: 0.9345 },
      { epoch: 2, loss: 0.1822, accuracy: 0.9455, valLoss: 0.1411, valAccuracy: 0.9601 },
    ],
    backend: { name: 'tensorflow', accelerator: 'cuda' },
    rows: { train: 6400, validation: 800, test: 800 },
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    timingsMs: { training: 41_200, evaluation: 310 },
  };
}

/** A ResNet-50 benchmark result as a worker reports it: a wasm row on two threads, and a backend that is not installed. */
export function aBenchmarkResult(): Record<string, unknown> {
  const wasm = {
    backend: 'wasm',
    device: 'cpu: AMD EPYC, 2 cores, 2 worker threads × 1 wasm thread',
    threads: 2,
    batchSize: 8,
    images: 32,
    secondsPer1000Images: 296.04,
    imagesPerSecond: 3.38,
    flopsPerImage: 7_712_483_328,
    gflopsPerSecond: 26.05,
    matMulGflopsPerSecond: 36.01,
    matMulSide: 1024,
    shareOfPeak: 0.723,
    overheadMs: { backendInit: 1210, modelBuild: 2105, warmUp: 2390, matMul: 412 },
  };
  return { model: 'resnet50', images: 32, batchSize: 8, inputSize: 224, rows: [wasm, { backend: 'tensorflow-gpu', error: 'the tensorflow-gpu backend is not installed on this worker' }] };
}

/** A saliency result with its ink mass, and an adversarial one with its examples. */
export function aSaliencyResult(): Record<string, unknown> {
  return { classIndex: 7, predictedClass: 7, probability: 0.9931, label: 7, inkMass: { inkPixels: 112, backgroundPixels: 672, ink: 0.412, background: 0.031, ratio: 13.29 } };
}

export function anAdversarialResult(): Record<string, unknown> {
  return {
    epsilon: 0.1,
    examples: [
      { label: 7, originalClass: 7, originalConfidence: 0.99, adversarialClass: 3, adversarialConfidence: 0.61, flipped: true },
      { label: 2, originalClass: 2, originalConfidence: 0.97, adversarialClass: 2, adversarialConfidence: 0.88, flipped: false },
    ],
    successRate: 0.5,
  };
}

/** An event of a watched job at `time`; `kind` picks its type. */
export function anEvent(event: Partial<JobEventView> & Pick<JobEventView, 'type'>, time = '2026-12-01T08:00:04.250Z'): JobEventView {
  return { jobId: 'j-01m8rbq2x5f3k9w7d1h4c6n0ta', attempt: 1, sequence: 1, time: new Date(time), assignedGpus: [], fraction: 0, message: '', level: 'info', state: 'RUNNING', result: {}, backend: 'cpu', ...event } as unknown as JobEventView;
}

/** A picture, a data set, or a model, uploaded by ada of team delta. */
export function anArtifact(overrides: Partial<ArtifactView> = {}): ArtifactView {
  return {
    id: 'art-7hxq2m4k5n6p7r8s',
    team: 'delta',
    createdBy: 'ada',
    kind: 'dataset',
    filename: 'digits.csv',
    format: 'csv',
    rows: 1797,
    cols: 64,
    labeled: true,
    classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
    storedBytes: 470_112,
    sha256: 'a'.repeat(64),
    createdAt: new Date('2026-12-01T07:30:00Z'),
    ...overrides,
  };
}

/** A team's storage: about 1 GB used of a 1 GB limit, in parts of different sizes. */
export function aStorageUsage(overrides: Partial<StorageUsage> = {}): StorageUsage {
  return { team: 'delta', artifactBytes: 1_000_000_000, uploadBytes: 0, jobInputBytes: 40_000, jobOutputBytes: 72_000_000, limitBytes: 1024 ** 3, ...overrides };
}

/** A benchmark history row of resnet50 on wasm, on day `day` of December 2026. */
export function aBenchmarkRow(day: number, secondsPer1000Images: number, overrides: Partial<BenchmarkHistoryRow> = {}): BenchmarkHistoryRow {
  return {
    date: `2026-12-0${day}T10:00:00.000Z`,
    model: 'resnet50',
    backend: 'wasm',
    device: 'cpu: test, 2 cores',
    batchSize: 8,
    inputSize: 224,
    versions: { tfjs: '4.22.0' },
    secondsPer1000Images,
    imagesPerSecond: 1000 / secondsPer1000Images,
    jobId: `job-${day}`,
    ...overrides,
  };
}

/** A benchmark schedule of resnet50 at 03:00 Berlin time, last fired on 3 December 2026. */
export function aBenchSchedule(overrides: Partial<BenchScheduleRow> = {}): BenchScheduleRow {
  return {
    id: 'bs-abcdefgh',
    cron: '0 3 * * *',
    timeZone: 'Europe/Berlin',
    model: 'resnet50',
    backends: ['cpu', 'wasm'],
    batchSizes: [1, 32],
    paused: false,
    nextFiring: '2026-12-04T02:00:00.000Z',
    lastFiring: { at: '2026-12-03T02:00:00.000Z', outcome: 'started', jobIds: ['j-bs-abcdefgh-t1-b1', 'j-bs-abcdefgh-t1-b32'], reason: '' },
    ...overrides,
  };
}
