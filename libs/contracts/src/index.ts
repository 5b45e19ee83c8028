export * as pb from './pb';
export * from './subjects';
export * from './job-states';
export * from './job-record';
export * from './events';
export * from './error-codes';
export * from './commands';
export * from './matrix-codec';
export * from './proto-mapping';
