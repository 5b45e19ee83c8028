export * from './inventory';
export * from './placement';
export * from './job-lifecycle';
export * from './scheduling-cycle';
export * from './errors';
export * from './term';
export * from './slot-calendar';
export * from './feasibility';
