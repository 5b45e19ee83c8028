export * from './errors';
export * from './matrix';
export { parseCsvMatrix, type CsvOptions, type ParsedCsv } from './csv-matrix';
export { symmetricEigen, type SymmetricEigen } from './symmetric-eigen';
export { pca, type PcaOptions, type PcaResult } from './pca';
export { seedExample } from './seed-example';
export { findDataset, listDatasets, type Dataset, type LoadedDataset } from './datasets';
export { findJobKind, listJobKinds } from './job-kinds';
export { type JobContext, type JobKind, type JobOutput, type Labels, type MatrixShape, type OutputFile } from './job-kind';
