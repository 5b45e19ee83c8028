/** The scheduler without worker processes, for tests and the scheduler's benchmark. */
export { type LaunchRecord, ReportingLauncher } from './reporting-launcher';
export { type SchedulerApp, type SchedulerAppOptions, startSchedulerApp } from './scheduler-app';
export { ManualClock } from './manual-clock';
