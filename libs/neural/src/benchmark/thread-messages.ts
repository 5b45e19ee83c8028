import { type BackendInfo, type BackendName } from '../backend';
import { type EngineSetupMs, type EngineSpec } from './benchmark-engine';
import { type MatMulRate } from './matmul-rate';

/** What a benchmark thread is started with. */
export interface ThreadData {
  backend: BackendName;
  spec: EngineSpec;
}

/** Requests to a benchmark thread, answered one at a time in order. */
export type ThreadRequest = { type: 'forward'; count: number } | { type: 'matMul' };

/** A benchmark thread's messages: once `ready` (or `error`), then one answer per request. */
export type ThreadReply =
  | { type: 'ready'; backend: BackendInfo; setupMs: EngineSetupMs; flopsPerImage: number }
  | { type: 'forward'; shape: number[] }
  | { type: 'matMul'; rate: MatMulRate }
  | { type: 'error'; message: string };
