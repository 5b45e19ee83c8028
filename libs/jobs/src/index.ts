export { findJobKind, listJobKinds, type RegisteredJobKind } from './job-kinds';
