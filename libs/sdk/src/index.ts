export { GpulabClient, type GpulabClientOptions, type JobInputOption, type ListOptions, type SubmitOptions } from './gpulab-client';
export { GpulabError } from './errors';
export { connectionFromEnv, DEFAULT_ADDRESS, type ConnectionSettings } from './connection';
export { type JobEventView, type JobView } from './job-view';
export { ALL_JOB_STATES, isTerminalState, type JobStateName } from '@gpulab/contracts';
export { type BookOptions } from './gpulab-client';
export { type CalendarView, type FeasibilityInfo, type InventoryInfo, type QuotaInfo, type ServerInfo, type SlotInfo } from './slot-view';
export { type InventoryChangeCommand as InventoryChange } from '@gpulab/contracts';
export { SLOT_KINDS, type SlotKind } from '@gpulab/contracts';
