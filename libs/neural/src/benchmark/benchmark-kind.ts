import { initBackend } from '../backend';
import { type NeuralJobKind } from '../neural-job-kind';
import { BENCHMARK_PARAMS, type BenchmarkParams, benchmarkParamsRecord, compileBenchmarkParams } from './benchmark-params';
import { runBenchmark } from './benchmark-run';

/**
 * Times a network's forward pass on every backend asked for, one row each: the lecture's
 * seconds per 1,000 images. Nothing here loads TensorFlow.js until `run`: the gateway uses
 * `compile` only.
 */
export const benchmarkKind: NeuralJobKind<BenchmarkParams> = {
  name: 'benchmark',
  summary: 'times ResNet-50, MobileNetV2 or the course CNN per backend: seconds per 1,000 images, images/s, batch p50/p95',
  input: 'none',
  params: BENCHMARK_PARAMS,
  compile: (params) => compileBenchmarkParams(params),
  record: benchmarkParamsRecord,
  initBackend,
  run: (context, params) => runBenchmark(params, context),
};
