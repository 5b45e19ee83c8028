import { type RateLimitGroup } from './rate-limiter';

/**
 * Each RPC's rate-limit group. Every RPC the gateway serves must be here: RpcHandler refuses to
 * wrap one that is not, so a new RPC cannot slip past the limits.
 */
export const RPC_LIMIT_GROUPS: Readonly<Record<string, RateLimitGroup>> = {
  GetJob: 'read',
  ListJobs: 'read',
  WatchJob: 'read',
  StreamJobLogs: 'read',
  GetCalendar: 'read',
  ListNotices: 'read',
  ListBenchmarkRows: 'read',
  ListBenchSchedules: 'read',
  GetUsage: 'read',
  GetQuota: 'read',
  GetFeasibility: 'read',
  ListArtifacts: 'read',
  GetArtifact: 'read',
  GetUpload: 'read',
  // A waiting client polls it twice a second: well within the read bucket.
  GetUploadProgress: 'read',
  SubmitJob: 'submit',
  CancelJob: 'submit',
  BookSlot: 'submit',
  CancelSlot: 'submit',
  MoveSlot: 'submit',
  DeleteArtifact: 'submit',
  DeleteJobOutputs: 'submit',
  CreateUpload: 'upload',
  WriteUpload: 'upload',
  FinishUpload: 'upload',
  CancelUpload: 'upload',
  DownloadResult: 'upload',
  UpdateInventory: 'admin',
  ListTeams: 'admin',
  CreateTeam: 'admin',
  AddMember: 'admin',
  RotateMember: 'admin',
  RemoveMember: 'admin',
  SetQuota: 'admin',
  AddBenchSchedule: 'admin',
  RemoveBenchSchedule: 'admin',
  PauseBenchSchedule: 'admin',
};

/** Streams that stay open while a job runs; each caller may hold a bounded number of them. */
export const COUNTED_STREAMS: ReadonlySet<string> = new Set(['WatchJob', 'StreamJobLogs']);

export function limitGroupOf(rpc: string): RateLimitGroup {
  const group = RPC_LIMIT_GROUPS[rpc];
  if (!group) throw new Error(`RPC ${rpc} has no rate-limit group: add it to RPC_LIMIT_GROUPS (rpc-limits.ts)`);
  return group;
}
