import { benchmarkKind } from './benchmark/benchmark-kind';
import { trainClassifierKind } from './kinds/train-classifier-kind';
import { type NeuralJobKind } from './neural-job-kind';
import { VISUALIZATION_KINDS } from './visualization/kinds';

/** This package's job kinds, for the registry in @gpulab/jobs. */
export const neuralJobKinds: readonly NeuralJobKind[] = [trainClassifierKind, ...VISUALIZATION_KINDS, benchmarkKind];
