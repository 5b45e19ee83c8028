/** The gateway's short name for sizes in storage messages, shared with the scheduler's refusals. */
export { storageSize as mb } from '@gpulab/contracts';
