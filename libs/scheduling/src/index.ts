// The package's surface: what other packages use. A module's other exports are its own.
export {
  brokenGpuKeys,
  DEFAULT_GPU_LAYOUT,
  drainedServers,
  gpuKey,
  type Inventory,
  inventoryFromLayout,
  largestServer,
  totalGpus,
} from './inventory';
export { holdsGpus } from './job-lifecycle';
export { explainWaiting, freeGpus, type Placement, planCycle, type Preemption, type SchedulableJob } from './scheduling-cycle';
export { JobQueueIndex } from './job-queue-index';
export {
  applyTransition,
  type Decision,
  onCancelled,
  onLaunchFailed,
  onLeaseExpired,
  onPlaced,
  onPreemptionNotice,
  onReport,
  onWorkerExit,
  onWorkerGone,
  type RetryPolicy,
  withWorker,
  type WorkerReport,
} from './job-transitions';
export { InvalidTransitionError } from './errors';
export { dayAt, dayDate, dayOfDate, dayStartMs, formatDayStart, type Term, validateTerm } from './term';
export {
  activeSlot,
  type Booking,
  type BookingRefusalCode,
  BookingRefusals,
  type CalendarSnapshot,
  decideBooking,
  DEFAULT_SLOT_RULES,
  freeCapacity,
  heldGpus,
  INVALID_BOOKING_REQUESTS,
  type Quota,
  usageOf,
} from './slot-calendar';
export { checkFeasibility } from './feasibility';
export { expiredLeases, type LastBeat } from './leases';
export { changeInventory, InventoryRefusals, relocateBookings } from './inventory-changes';
export { type RunStretch, usagePerDay } from './usage';
export { type CronParse, type CronTimes, dueFirings, type DueFirings, type FiringJob, type FiringSettlement, localTime, missedFiring, parseCron, settleFiring } from './bench-schedule';
