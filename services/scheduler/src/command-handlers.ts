import { type SchedulerCommandHandlers } from '@gpulab/contracts';
import { type BenchScheduler } from './bench-scheduler';
import { type CalendarService } from './calendar.service';
import { type SchedulerService } from './scheduler.service';

/**
 * What the scheduler does for each command of the table `SchedulerCommands`. Typed by the table,
 * so a command without a handler here, or a handler answering another shape, does not compile.
 */
export function schedulerCommandHandlers(scheduler: SchedulerService, calendar: CalendarService, benchSchedules: BenchScheduler): SchedulerCommandHandlers {
  return {
    submit: (c) => scheduler.submit(c),
    cancel: (c) => scheduler.cancel(c),
    get: (c) => scheduler.get(c),
    list: (c) => scheduler.list(c),
    deleteOutputs: (c) => scheduler.deleteOutputs(c),
    calendar: () => calendar.calendar(),
    book: (c) => calendar.book(c),
    cancelSlot: (c) => calendar.cancel(c),
    moveSlot: (c) => calendar.move(c),
    quota: (c) => calendar.quota(c),
    usage: (c) => scheduler.usage(c),
    feasibility: (c) => calendar.feasibility(c.caller),
    setQuota: (c) => calendar.setQuota(c),
    inventory: (c) => calendar.updateInventory(c),
    teams: (c) => calendar.listTeams(c.caller),
    createTeam: (c) => calendar.createTeam(c),
    addMember: (c) => calendar.addMember(c),
    removeMember: (c) => calendar.removeMember(c),
    rotateMember: (c) => calendar.rotateMember(c),
    addBenchSchedule: (c) => benchSchedules.add(c),
    benchSchedules: (c) => benchSchedules.list(c),
    removeBenchSchedule: (c) => benchSchedules.remove(c),
    pauseBenchSchedule: (c) => benchSchedules.pause(c),
  };
}
