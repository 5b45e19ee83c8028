import { InvalidParameterError } from './errors';
import { fashionMnistDataset } from './fashion-mnist-dataset';
import { type Dataset } from './dataset';
import { mnistDataset } from './mnist-dataset';
import { seedExample } from './seed-example';
import { quoteInput } from '@gpulab/contracts';

export { type Dataset, type LoadedDataset } from './dataset';

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
