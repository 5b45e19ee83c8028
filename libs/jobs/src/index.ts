export { TransientJobError } from './errors';
export { findJobKind, listJobKinds, loadJobKind, NEURAL_ACCELERATED_KINDS, type RegisteredJobKind } from './job-kinds';
export { flakyKind, noopKind, testJobKinds, type TestJobKind } from './test-kinds';
export { kindMarkdownTable, kindTablesIn, updateKindTables } from './readme-tables';
