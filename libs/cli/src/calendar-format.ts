import { calendarSvg, renderPng } from '@gpulab/charts';
import { table } from './format';
import { type CalendarView, type FeasibilityInfo, type QuotaInfo, type ServerInfo, type SlotInfo } from '@gpulab/sdk';

const PAIR = 2;

function lanesOf(calendar: CalendarView) {
  return calendar.servers.flatMap((s) =>
    Array.from({ length: Math.floor(s.gpus / PAIR) }, (_, p) => ({ server: s.name, gpus: [p * PAIR, p * PAIR + 1], broken: s.brokenGpus.some((g) => g === p * PAIR || g === p * PAIR + 1) })),
  );
}

/** The whole term as a PNG: one colour per team, your team outlined. */
export function calendarPng(calendar: CalendarView, myTeam?: string): Buffer {
  return renderPng(calendarSvg({ term: calendar.term, lanes: lanesOf(calendar), slots: calendar.slots, myTeam }).svg);
}

/**
 * The calendar as a grid: one line per day, one column per GPU pair, each cell the team that
 * holds it (`team/S` setup, `team/E` experiment) or `.` when free. Today is marked with `>`.
 */
export function calendarGrid(calendar: CalendarView, options: { from?: string; myTeam?: string } = {}): string {
  const lanes = lanesOf(calendar);
  const header = ['', 'DATE', ...lanes.map((l) => `${l.server} GPU ${l.gpus.join(',')}`)];
  const rows: string[][] = [header];
  const start = Date.parse(`${calendar.term.start}T00:00:00Z`);
  for (let day = 0; day < calendar.term.days; day++) {
    const date = new Date(start + day * 86_400_000).toISOString().slice(0, 10);
    if (options.from && date < options.from) continue;
    const cells = lanes.map((lane) => {
      if (lane.broken) return 'broken';
      const slot = calendar.slots.find((s) => s.server === lane.server && s.gpus[0] === lane.gpus[0] && date >= s.startDate && date < addDays(s.startDate, s.days));
      if (!slot) return '.';
      const label = `${slot.team}/${slot.kind === 'setup' ? 'S' : 'E'}`;
      return slot.team === options.myTeam ? `*${label}` : label;
    });
    rows.push([date === calendar.term.today ? '>' : '', date, ...cells]);
  }
  return [`term ${calendar.term.start} + ${calendar.term.days} days (${calendar.term.timeZone}); today ${calendar.term.today}`, table(rows), '', 'S setup (1 day), E experiment (3 days), . free, * your team'].join('\n');
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * One slot: who, what, where and when. Its end is the midnight after its last day, so it is
 * said as "until" (not "→ 2026-12-06 00:00" beside "to 2026-12-05", which reads as a day more).
 */
export function slotLine(slot: SlotInfo): string {
  return `${slot.id}  ${slot.team}  ${slot.kind} ${slot.days} day${slot.days > 1 ? 's' : ''}  ${slot.server} GPUs ${slot.gpus.join(',')}  ${slot.startsAt} until ${slot.endsAt}`;
}

export function quotaTable(quotas: readonly QuotaInfo[]): string {
  const rows = [['TEAM', 'KIND', 'QUOTA', 'BOOKED', 'USED', 'LEFT'], ...quotas.flatMap((q) => Object.entries(q.kinds).map(([kind, k]) => [q.team, `${kind} (${k.daysPerSlot}d)`, String(k.quota), String(k.booked), String(k.used), String(k.remaining)]))];
  const backfill = quotas.filter((q) => q.backfillGpuHours > 0).map((q) => `${q.team}: ${q.backfillGpuHours} GPU-hours of preemptible backfill`);
  return [table(rows), ...backfill].join('\n');
}

export function feasibilityText(report: FeasibilityInfo): string {
  const lines = [
    `verdict: ${report.verdict} (${report.demandPairDays} pair-days asked, ${report.freePairDays} free; ${report.searchNodes} search nodes)`,
  ];
  if (report.stranded.length) lines.push('stranded on broken GPUs:', ...report.stranded.map((s) => `  ${slotLine(s)}`));
  if (report.short.length) lines.push('short:', ...report.short.map((s) => `  ${s.team}: ${s.missing} ${s.kind} slot${s.missing > 1 ? 's' : ''} cannot be placed`));
  if (report.verdict !== 'feasible' && report.unused.length) lines.push('free GPU pairs nobody can use:', ...report.unused.map((u) => `  ${u.date}: ${u.pairs}`));
  if (report.suggestion.length) {
    lines.push(report.verdict === 'feasible' ? 'a complete assignment of the remaining slots:' : 'the fullest assignment found:');
    lines.push(...report.suggestion.map((s) => `  ${s.startDate}  ${s.team.padEnd(10)} ${s.kind.padEnd(10)} ${s.server} GPUs ${s.gpus.join(',')}`));
  }
  return lines.join('\n');
}

export function serverTable(servers: readonly ServerInfo[]): string {
  const rows = [['SERVER', 'GPUS', 'BROKEN', 'STATE'], ...servers.map((s) => [s.name, String(s.gpus), s.brokenGpus.join(',') || '-', s.drained ? 'drained' : 'active'])];
  return table(rows);
}
