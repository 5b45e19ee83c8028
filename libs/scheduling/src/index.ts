export * from './inventory';
export * from './placement';
export * from './job-lifecycle';
export * from './scheduling-cycle';
export * from './errors';
