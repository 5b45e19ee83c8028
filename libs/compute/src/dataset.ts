import { type Labels } from './job-kind';
import { type Matrix } from './matrix';

/**
 * A built-in data set a job names with `--dataset`. Its own file: the data sets' files implement
 * it, and the list of them (`datasets.ts`) imports those files.
 */
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

export interface LoadedDataset {
  matrix: Matrix;
  labels?: Labels;
}
