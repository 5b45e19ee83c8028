import { InvalidParameterError } from './errors';
import { fashionMnistDataset } from './fashion-mnist-dataset';
import { type Labels } from './job-kind';
import { type Matrix } from './matrix';
import { mnistDataset } from './mnist-dataset';
import { seedExample } from './seed-example';
import { quoteInput } from '@gpulab/contracts';

export interface LoadedDataset {
  matrix: Matrix;
  labels?: Labels;
}

export interface Dataset {
  name: string;
  summary: string;
  rows: number;
  cols: number;
  labeled: boolean;
  /** Why the data set cannot be loaded on this machine (and how to fix it), or undefined. */
  unavailable?(): string | undefined;
  load(): Promise<LoadedDataset>;
}

const DATASETS: readonly Dataset[] = [
  {
    name: 'seed-example',
    summary: "the lecture's PCA worked example: 10 points in 2-D",
    rows: 10,
    cols: 2,
    labeled: false,
    load: async () => ({ matrix: seedExample() }),
  },
  mnistDataset,
  fashionMnistDataset(),
];

export function listDatasets(): readonly Dataset[] {
  return DATASETS;
}

export function findDataset(name: string): Dataset {
  const found = DATASETS.find((d) => d.name === name);
  if (!found) {
    throw new InvalidParameterError('dataset', `there is no data set ${quoteInput(name)}; built-in data sets: ${DATASETS.map((d) => d.name).join(', ')}`);
  }
  return found;
}
