import { Injectable } from '@nestjs/common';
import { type UntypedHandleCall } from '@grpc/grpc-js';
import {
  BENCH_SCHEDULE_ID_PATTERN,
  benchScheduleToProto,
  type Caller,
  ErrorCodes,
  type InventoryChangeCommand,
  memberTokenToProto,
  parseTokenLifetime,
  pb,
  quoteInput,
  type SlotKind,
  slotKindFromProto,
  slotKindToProto,
  slotToProto,
  teamQuotaToProto,
  teamToProto,
  tokenHash,
} from '@gpulab/contracts';
import { addBenchScheduleCommand } from './bench-schedule-request';
import { GatewayError } from './errors';
import { newMemberToken } from './member-token';
import { NoticeReader } from './notice-reader';
import { RpcHandler } from './rpc-handler';
import { SchedulerClient } from './scheduler-client';

/** Implements `gpulab.v1.SlotService` and `gpulab.v1.AdminService`. */
@Injectable()
export class SlotsGrpcService {
  constructor(
    private readonly scheduler: SchedulerClient,
    private readonly rpc: RpcHandler,
    private readonly notices: NoticeReader,
  ) {}

  slots(): pb.SlotServiceServer & { [name: string]: UntypedHandleCall } {
    return {
      getCalendar: this.rpc.unary('GetCalendar', async (caller: Caller): Promise<pb.GetCalendarResponse> => {
        const c = await this.scheduler.call('calendar', { caller });
        return {
          term: { startDate: c.term.start, days: c.term.days, timeZone: c.term.timeZone, today: c.term.today },
          servers: c.servers,
          slots: c.slots.map(slotToProto),
          free: c.free.map((d) => ({ date: d.date, servers: Object.entries(d.free).map(([server, freePairs]) => ({ server, freePairs })) })),
        };
      }),
      bookSlot: this.rpc.unary('BookSlot', async (caller, req: pb.BookSlotRequest) => ({
        slot: slotToProto(
          await this.scheduler.call('book', { caller, kind: kindOf(req.kind), startDate: req.startDate.trim(), server: req.server.trim() || undefined, team: req.team.trim() || undefined }),
        ),
      })),
      cancelSlot: this.rpc.unary('CancelSlot', async (caller, req: pb.CancelSlotRequest) => {
        if (!req.id.trim()) throw new GatewayError(ErrorCodes.invalidArgument, 'the slot id is missing');
        return { slot: slotToProto(await this.scheduler.call('cancelSlot', { caller, slotId: req.id.trim() })) };
      }),
      moveSlot: this.rpc.unary('MoveSlot', async (caller, req: pb.MoveSlotRequest) => {
        if (!req.id.trim()) throw new GatewayError(ErrorCodes.invalidArgument, 'the slot id is missing');
        return { slot: slotToProto(await this.scheduler.call('moveSlot', { caller, slotId: req.id.trim(), startDate: req.startDate.trim(), server: req.server.trim() || undefined })) };
      }),
      listNotices: this.rpc.unary('ListNotices', async (caller, req: pb.ListNoticesRequest) => ({
        notices: (await this.notices.latest(caller, req.limit || 20)).map((n) => ({ time: n.time, message: n.message })),
      })),
      getUsage: this.rpc.unary('GetUsage', async (caller, req: pb.GetUsageRequest) => ({
        rows: await this.scheduler.call('usage', { caller, team: req.team.trim() || undefined }),
      })),
      getQuota: this.rpc.unary('GetQuota', async (caller, req: pb.GetQuotaRequest) => ({
        teams: (await this.scheduler.call('quota', { caller, team: req.team.trim() || undefined })).map(teamQuotaToProto),
      })),
    };
  }

  admin(): pb.AdminServiceServer & { [name: string]: UntypedHandleCall } {
    return {
      getFeasibility: this.rpc.unary('GetFeasibility', async (caller: Caller): Promise<pb.GetFeasibilityResponse> => {
        const f = await this.scheduler.call('feasibility', { caller });
        return {
          verdict: f.verdict,
          stranded: f.stranded.map(slotToProto),
          suggestion: f.suggestion.map(slotToProto),
          short: f.short.map((s) => ({ team: s.team, kind: slotKindToProto(s.kind), missing: s.missing })),
          unused: f.unused,
          demandPairDays: f.demandPairDays,
          freePairDays: f.freePairDays,
          searchNodes: f.nodes,
        };
      }),
      updateInventory: this.rpc.unary('UpdateInventory', async (caller, req: pb.UpdateInventoryRequest): Promise<pb.UpdateInventoryResponse> => {
        const r = await this.scheduler.call('inventory', { caller, change: inventoryChange(req) });
        return { servers: r.servers, moved: r.moved.map(slotToProto), stranded: r.stranded.map(slotToProto) };
      }),
      listTeams: this.rpc.unary('ListTeams', async (caller: Caller) => ({ teams: (await this.scheduler.call('teams', { caller })).map(teamToProto) })),
      createTeam: this.rpc.unary('CreateTeam', async (caller, req: pb.CreateTeamRequest) => ({ team: teamToProto(await this.scheduler.call('createTeam', { caller, team: req.name })) })),
      addMember: this.rpc.unary('AddMember', async (caller, req: pb.AddMemberRequest): Promise<pb.AddMemberResponse> => {
        const lifetimeMs = lifetimeOf(req.expiresIn);
        const token = newMemberToken(req.team.trim());
        return memberTokenToProto(await this.scheduler.call('addMember', { caller, team: req.team, member: req.member, tokenHash: tokenHash(token), lifetimeMs }), token);
      }),
      rotateMember: this.rpc.unary('RotateMember', async (caller, req: pb.RotateMemberRequest): Promise<pb.RotateMemberResponse> => {
        const lifetimeMs = lifetimeOf(req.expiresIn);
        const token = newMemberToken(req.team.trim());
        return memberTokenToProto(await this.scheduler.call('rotateMember', { caller, team: req.team, member: req.member, tokenHash: tokenHash(token), lifetimeMs }), token);
      }),
      removeMember: this.rpc.unary('RemoveMember', async (caller, req: pb.RemoveMemberRequest) => ({
        team: teamToProto(await this.scheduler.call('removeMember', { caller, team: req.team, member: req.member })),
      })),
      addBenchSchedule: this.rpc.unary('AddBenchSchedule', async (caller, req: pb.AddBenchScheduleRequest) => ({
        schedule: benchScheduleToProto(await this.scheduler.call('addBenchSchedule', addBenchScheduleCommand(caller, req))),
      })),
      listBenchSchedules: this.rpc.unary('ListBenchSchedules', async (caller: Caller) => ({ schedules: (await this.scheduler.call('benchSchedules', { caller })).map(benchScheduleToProto) })),
      removeBenchSchedule: this.rpc.unary('RemoveBenchSchedule', async (caller, req: pb.RemoveBenchScheduleRequest) => ({
        schedule: benchScheduleToProto(await this.scheduler.call('removeBenchSchedule', { caller, scheduleId: scheduleId(req.id) })),
      })),
      pauseBenchSchedule: this.rpc.unary('PauseBenchSchedule', async (caller, req: pb.PauseBenchScheduleRequest) => ({
        schedule: benchScheduleToProto(await this.scheduler.call('pauseBenchSchedule', { caller, scheduleId: scheduleId(req.id), paused: req.paused })),
      })),
      setQuota: this.rpc.unary('SetQuota', async (caller, req: pb.SetQuotaRequest) => ({
        quota: teamQuotaToProto(await this.scheduler.call('setQuota', { caller, team: req.team.trim(), kind: kindOf(req.kind), quota: req.quota })),
      })),
    };
  }
}

function scheduleId(id: string): string {
  if (!id.trim()) throw new GatewayError(ErrorCodes.invalidArgument, 'the schedule id is missing', { metadata: { field: 'id' } });
  if (!BENCH_SCHEDULE_ID_PATTERN.test(id.trim())) throw new GatewayError(ErrorCodes.invalidArgument, `${quoteInput(id)} is not a schedule id: they look like bs-abcdefgh ("gpulab bench schedule list")`, { metadata: { field: 'id' } });
  return id.trim();
}

function kindOf(kind: pb.SlotKind): SlotKind {
  const name = slotKindFromProto(kind);
  if (!name) throw new GatewayError(ErrorCodes.invalidArgument, 'the slot kind must be setup or experiment');
  return name;
}

/** A token's lifetime as the request gives it ("30d"); empty: no expiry. */
function lifetimeOf(expiresIn: string): number | undefined {
  if (!expiresIn.trim()) return undefined;
  const parsed = parseTokenLifetime(expiresIn);
  if (!parsed.ok) throw new GatewayError(ErrorCodes.invalidArgument, parsed.message);
  return parsed.ms;
}

function inventoryChange(req: pb.UpdateInventoryRequest): InventoryChangeCommand {
  if (req.addServer) return { type: 'add-server', name: req.addServer.name.trim(), gpus: req.addServer.gpus };
  if (req.removeServer) return { type: 'remove-server', name: req.removeServer.name.trim() };
  if (req.drainServer) return { type: 'drain', name: req.drainServer.name.trim(), drained: req.drainServer.drained };
  if (req.setGpuBroken) return { type: 'gpu', server: req.setGpuBroken.server.trim(), index: req.setGpuBroken.index, broken: req.setGpuBroken.broken };
  throw new GatewayError(ErrorCodes.invalidArgument, 'say which inventory change: add_server, remove_server, drain_server or set_gpu_broken');
}
