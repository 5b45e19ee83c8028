import { InvalidParameterError } from './errors';
import { type Matrix } from './matrix';
import { seedExample } from './seed-example';

export interface Dataset {
  name: string;
  summary: string;
  rows: number;
  cols: number;
  load(): Promise<Matrix>;
}

const DATASETS: readonly Dataset[] = [
  {
    name: 'seed-example',
    summary: "the lecture's PCA worked example: 10 points in 2-D",
    rows: 10,
    cols: 2,
    load: async () => seedExample(),
  },
];

export function listDatasets(): readonly Dataset[] {
  return DATASETS;
}

export function findDataset(name: string): Dataset {
  const found = DATASETS.find((d) => d.name === name);
  if (!found) {
    throw new InvalidParameterError('dataset', `there is no data set "${name}"; built-in data sets: ${DATASETS.map((d) => d.name).join(', ')}`);
  }
  return found;
}
