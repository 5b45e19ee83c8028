export { SchedulerModule } from './scheduler.module';
export { compileSchedulerConfig, type SchedulerConfig, type SchedulerOptions } from './config';
export { type Clock, systemClock } from './clock';
export { type Launcher, type WorkerExit } from './launcher';
export { SchedulerService } from './scheduler.service';
export { BenchScheduler } from './bench-scheduler';
export { type DataMount, parseDataMounts, type WorkerPodSettings, workerPodSettings } from './kubernetes/kubernetes-config';
