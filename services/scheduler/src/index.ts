export { SchedulerModule } from './scheduler.module';
export { compileSchedulerConfig, type SchedulerConfig, type SchedulerOptions } from './config';
export { type Clock, systemClock } from './clock';
