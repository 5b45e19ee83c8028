import { JobStates } from '@gpulab/contracts';
import { type GpuAddress, type Inventory, allGpus, gpuKey, largestServer, totalGpus } from './inventory';
import { type JobState, holdsGpus } from './job-lifecycle';
import { AnyFreeGpuPlacement, type PlacementPolicy } from './placement';
import { activeSlot, type Booking, type CalendarSnapshot, heldGpus, nextSlot } from './slot-calendar';
import { formatDayStart } from './term';

/** What the cycle needs to know of a job. */
export interface SchedulableJob {
  id: string;
  team: string;
  /** Tutor jobs (and automated runs) use GPUs that no slot holds. @default 'member' */
  role?: 'member' | 'tutor';
  state: JobState;
  gpus: number;
  /** When the job arrived; the queue itself follows the order of `CycleSnapshot.jobs`. */
  createdAt: string;
  assignedGpus: readonly GpuAddress[];
  /** Jumps the team's own queue. */
  priority?: boolean;
  /** May run on GPUs nobody holds now, and is stopped when a slot needs them. */
  preemptible?: boolean;
  /** ISO-8601: a job queued again after a transient failure waits until then (its backoff). */
  notBefore?: string;
}

export interface CycleSnapshot {
  inventory: Inventory;
  /** In order of arrival: the queue is served in this order (priority jobs first). */
  jobs: readonly SchedulableJob[];
  /** With slots, a team's job runs only inside its team's active slot, on that slot's GPUs. */
  slots?: { calendar: CalendarSnapshot; day: number };
  /** GPU keys out of service. */
  brokenGpus?: ReadonlySet<string>;
  /** Servers that take no new jobs. */
  drainedServers?: ReadonlySet<string>;
  /** Now, for retry backoffs (`SchedulableJob.notBefore`). @default no job is held back */
  nowMs?: number;
}

export const WaitReasons = {
  noFreeGpu: 'NO_FREE_GPU',
  neverFits: 'NEVER_FITS',
  waitingForSlot: 'WAITING_FOR_SLOT',
  noSlot: 'NO_SLOT',
  slotBusy: 'SLOT_BUSY',
  retryBackoff: 'RETRY_BACKOFF',
} as const;

export type WaitReasonCode = (typeof WaitReasons)[keyof typeof WaitReasons];

/** A job that cannot start yet is data: a code and a sentence for the user. */
export interface Waiting {
  jobId: string;
  code: WaitReasonCode;
  message: string;
  /** Term day from which the job can run, when known. */
  fromDay?: number;
}

export interface Placement {
  jobId: string;
  gpus: GpuAddress[];
}

export interface Preemption {
  jobId: string;
  reason: string;
}

export interface CyclePlan {
  placements: Placement[];
  waiting: Waiting[];
  preemptions: Preemption[];
}

const anyFree = new AnyFreeGpuPlacement();

/**
 * One scheduling cycle, a pure function of the snapshot. Steps: (1) preempt running jobs the
 * rules no longer allow (a slot ended, a slot needs a backfilled GPU); (2) take the free GPUs;
 * (3) walk the queue — priority jobs first, then arrival order — and place what the rules allow.
 * A job that does not fit does not block others: teams' slots are disjoint, and a small tutor
 * job may use a GPU a large one cannot.
 */
export function planCycle(snapshot: CycleSnapshot, policy: PlacementPolicy = anyFree): CyclePlan {
  const plan: CyclePlan = { placements: [], waiting: [], preemptions: preemptionsOf(snapshot) };
  // GPUs of jobs being preempted stay busy until their workers have stopped.
  const free = freeGpus(snapshot);
  const slots = snapshot.slots;
  const held = slots ? heldGpus(slots.calendar, slots.day) : new Set<string>();
  const unheld = new Set([...free].filter((k) => !held.has(k)));
  const queued = queueOrder(snapshot.jobs.filter((j) => j.state === JobStates.queued));
  const biggest = largestServer(snapshot.inventory);
  const take = (job: SchedulableJob, gpus: GpuAddress[]) => {
    for (const g of gpus) {
      free.delete(gpuKey(g));
      unheld.delete(gpuKey(g));
    }
    plan.placements.push({ jobId: job.id, gpus });
  };

  // Waiting reasons depend on the team only (and the job's size): computed once per team and cycle.
  const slotWaits = new Map<string, Omit<Waiting, 'jobId'>>();
  const blockedTeams = new Map<string, string>();
  const teamSlots = new Map<string, Booking | undefined>();
  const waitFor = (job: SchedulableJob, calendar: CalendarSnapshot, day: number): Waiting => {
    let wait = slotWaits.get(job.team);
    if (!wait) {
      wait = waitForSlot(job.team, calendar, day);
      slotWaits.set(job.team, wait);
    }
    return { jobId: job.id, code: wait.code, message: wait.message, fromDay: wait.fromDay };
  };
  for (const job of queued) {
    if (job.gpus > biggest) {
      plan.waiting.push(neverFits(job, biggest));
      continue;
    }
    // A job in its retry backoff neither runs nor holds up its team's queue.
    if (inBackoff(job, snapshot.nowMs)) {
      plan.waiting.push(retryBackoff(job));
      continue;
    }
    if (!slots || job.role === 'tutor') {
      const gpus = policy.place({ jobId: job.id, team: job.team, gpus: job.gpus }, snapshot.inventory, slots ? unheld : free);
      if (gpus) take(job, gpus);
      else plan.waiting.push(noFreeGpu(job, slots ? unheld : free, snapshot.inventory, slots !== undefined));
      continue;
    }
    const { calendar, day } = slots;
    const perSlot = calendar.rules.gpusPerSlot;
    if (job.gpus > perSlot) {
      // Bigger than any slot: a preemptible one may still run on idle GPUs, and it never holds up
      // the team's queue for its slot.
      const gpus = job.preemptible ? policy.place({ jobId: job.id, team: job.team, gpus: job.gpus }, snapshot.inventory, unheld) : undefined;
      if (gpus) take(job, gpus);
      else plan.waiting.push(job.preemptible ? noFreeGpu(job, unheld, snapshot.inventory, true) : slotTooSmall(job, perSlot));
      continue;
    }
    let slot = teamSlots.get(job.team);
    if (!teamSlots.has(job.team)) {
      slot = activeSlot(calendar, job.team, day);
      teamSlots.set(job.team, slot);
    }
    // FIFO within the team: once its first waiting job does not fit, the ones behind it wait too,
    // or a 2-GPU job would starve behind a stream of 1-GPU jobs.
    const blocker = blockedTeams.get(job.team);
    if (slot && !blocker) {
      const mine = slot.gpus.map((index) => ({ server: slot.server, index })).filter((g) => free.has(gpuKey(g)));
      if (mine.length >= job.gpus) {
        take(job, mine.slice(0, job.gpus));
        continue;
      }
      blockedTeams.set(job.team, job.id);
    }
    if (job.preemptible) {
      const gpus = policy.place({ jobId: job.id, team: job.team, gpus: job.gpus }, snapshot.inventory, unheld);
      if (gpus) {
        take(job, gpus);
        continue;
      }
    }
    plan.waiting.push(slot ? slotBusy(job, slot, blocker !== undefined) : waitFor(job, calendar, day));
  }
  return plan;
}

/** What a reader of a queued job needs to be told why it waits, between cycles. */
export interface WaitContext {
  inventory: Inventory;
  slots?: { calendar: CalendarSnapshot; day: number };
  /** GPU keys free now, and those of them no slot holds. */
  free: ReadonlySet<string>;
  unheld: ReadonlySet<string>;
  nowMs?: number;
  /** The job's 1-based place among its team's queued jobs. */
  position: number;
}

/**
 * Why a queued job waits, told from the cluster as the latest cycle left it: the same rules and
 * sentences as the cycle's own walk, for one job, so a long queue is explained when it is read
 * instead of being rewritten on every cycle.
 */
export function explainWaiting(job: SchedulableJob, ctx: WaitContext): Waiting {
  const biggest = largestServer(ctx.inventory);
  if (job.gpus > biggest) return neverFits(job, biggest);
  if (inBackoff(job, ctx.nowMs)) return retryBackoff(job);
  const slots = ctx.slots;
  if (!slots || job.role === 'tutor') return noFreeGpu(job, slots ? ctx.unheld : ctx.free, ctx.inventory, slots !== undefined);
  const { calendar, day } = slots;
  const perSlot = calendar.rules.gpusPerSlot;
  if (job.gpus > perSlot) return job.preemptible ? noFreeGpu(job, ctx.unheld, ctx.inventory, true) : slotTooSmall(job, perSlot);
  const slot = activeSlot(calendar, job.team, day);
  if (slot) return slotBusy(job, slot, ctx.position > 1);
  return { jobId: job.id, ...waitForSlot(job.team, calendar, day) };
}

function preemptionsOf(snapshot: CycleSnapshot): Preemption[] {
  const slots = snapshot.slots;
  const calendar = slots?.calendar;
  const day = slots?.day ?? 0;
  const held = calendar ? heldGpus(calendar, day) : new Set<string>();
  const out: Preemption[] = [];
  const broken = snapshot.brokenGpus ?? new Set<string>();
  for (const job of snapshot.jobs) {
    if (job.state === JobStates.queued || !holdsGpus(job.state)) continue;
    const dead = job.assignedGpus.find((g) => broken.has(gpuKey(g)));
    if (dead) {
      out.push({ jobId: job.id, reason: `${dead.server} GPU ${dead.index} was taken out of service` });
      continue;
    }
    if (!calendar) continue;
    const slot = job.role === 'tutor' ? undefined : activeSlot(calendar, job.team, day);
    const inOwnSlot = slot !== undefined && job.assignedGpus.every((g) => g.server === slot.server && slot.gpus.includes(g.index));
    if (inOwnSlot) continue;
    if (job.role === 'tutor' || job.preemptible) {
      // It runs on GPUs nobody held; it gives them up when a slot starts there.
      const taken = job.assignedGpus.find((g) => held.has(gpuKey(g)));
      if (taken) out.push({ jobId: job.id, reason: `a booked slot needs ${taken.server} GPU ${taken.index}` });
      continue;
    }
    out.push({ jobId: job.id, reason: slot ? "the job is not on its team slot's GPUs" : "the team's slot has ended" });
  }
  return out;
}

/** True while a requeued job waits out its retry backoff. */
export function inBackoff(job: Pick<SchedulableJob, 'notBefore'>, nowMs: number | undefined): boolean {
  return job.notBefore !== undefined && nowMs !== undefined && Date.parse(job.notBefore) > nowMs;
}

function neverFits(job: SchedulableJob, biggest: number): Waiting {
  return { jobId: job.id, code: WaitReasons.neverFits, message: `asks for ${job.gpus} GPUs on one server, but the largest server has ${biggest}` };
}

function slotTooSmall(job: SchedulableJob, perSlot: number): Waiting {
  return { jobId: job.id, code: WaitReasons.neverFits, message: `a team job can use at most the ${perSlot} GPUs of its slot, not ${job.gpus}` };
}

function retryBackoff(job: SchedulableJob): Waiting {
  return { jobId: job.id, code: WaitReasons.retryBackoff, message: `queued again after a failure that may pass; tried again from ${job.notBefore ?? 'now'}` };
}

function noFreeGpu(job: SchedulableJob, free: ReadonlySet<string>, inventory: Inventory, slotsOn: boolean): Waiting {
  return {
    jobId: job.id,
    code: WaitReasons.noFreeGpu,
    message: `waiting for ${job.gpus} free GPU${job.gpus > 1 ? 's' : ''} on one server${slotsOn ? ' that no slot holds' : ''} (${free.size} of ${totalGpus(inventory)} free now)`,
  };
}

function slotBusy(job: SchedulableJob, slot: Booking, behind: boolean): Waiting {
  const where = `your slot on ${slot.server} GPUs ${slot.gpus.join(',')}`;
  return {
    jobId: job.id,
    code: WaitReasons.slotBusy,
    // Stable while the job waits, so that it is stored once, not on every cycle.
    message: behind
      ? `waiting in your team's queue (first come, first served) for ${where}`
      : `waiting for ${job.gpus === 1 ? 'a GPU' : `${job.gpus} GPUs`} of ${where}: your team's other jobs use them`,
  };
}

function waitForSlot(team: string, calendar: CalendarSnapshot, day: number): Omit<Waiting, 'jobId'> {
  const next = nextSlot(calendar, team, day);
  if (!next) {
    return {
      code: WaitReasons.noSlot,
      message: 'your team has no slot booked from now on: book one with `gpulab slots book`, or submit with --preemptible to use idle GPUs',
    };
  }
  return {
    code: WaitReasons.waitingForSlot,
    message: `waiting for your ${next.kind} slot that starts ${formatDayStart(calendar.term, next.startDay)} on ${next.server} GPUs ${next.gpus.join(',')}`,
    fromDay: next.startDay,
  };
}

/**
 * Priority jobs first, then the order the jobs were given in, which is their order of arrival:
 * the service keeps its jobs in creation order, so no sort of the whole queue is needed.
 */
function queueOrder(jobs: SchedulableJob[]): SchedulableJob[] {
  return [...jobs.filter((j) => j.priority), ...jobs.filter((j) => !j.priority)];
}

/** GPU keys in service that no scheduled or running job holds. */
export function freeGpus(snapshot: CycleSnapshot): Set<string> {
  const free = new Set(
    allGpus(snapshot.inventory)
      .filter((g) => !snapshot.drainedServers?.has(g.server))
      .map(gpuKey)
      .filter((k) => !snapshot.brokenGpus?.has(k)),
  );
  for (const job of snapshot.jobs) {
    if (holdsGpus(job.state)) for (const g of job.assignedGpus) free.delete(gpuKey(g));
  }
  return free;
}
