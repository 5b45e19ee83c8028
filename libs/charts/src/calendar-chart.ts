import { escapeXml, PALETTE, svgDocument } from './svg';

export interface CalendarChartInput {
  term: { start: string; days: number; today: string };
  /** GPU pairs, in column order. */
  lanes: { server: string; gpus: number[]; broken: boolean }[];
  slots: { team: string; kind: 'setup' | 'experiment'; startDate: string; days: number; server: string; gpus: number[] }[];
  /** Outlined in the chart. */
  myTeam?: string;
}

export const CALENDAR_LAYOUT = { left: 120, top: 70, cellWidth: 130, cellHeight: 26, legendRow: 24 } as const;

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/** The term calendar as a picture: days down, GPU pairs across, one colour per team. */
export function calendarSvg(input: CalendarChartInput): { svg: string; width: number; height: number; teamColors: Record<string, string> } {
  const { left, top, cellWidth, cellHeight, legendRow } = CALENDAR_LAYOUT;
  const teams = [...new Set(input.slots.map((s) => s.team))].sort();
  const teamColors = Object.fromEntries(teams.map((t, i) => [t, PALETTE[i % PALETTE.length]]));
  const width = left + input.lanes.length * cellWidth + 20;
  const legendTop = top + input.term.days * cellHeight + 20;
  const legendColumn = 120;
  const perRow = Math.max(1, Math.floor((width - left) / legendColumn));
  const height = legendTop + Math.ceil(Math.max(teams.length, 1) / perRow) * legendRow + 30;
  const body: string[] = [
    `<text x="${left}" y="28" font-size="18" font-weight="bold">GPU calendar ${escapeXml(input.term.start)} + ${input.term.days} days</text>`,
  ];
  input.lanes.forEach((lane, c) => {
    body.push(`<text x="${left + c * cellWidth + cellWidth / 2}" y="${top - 10}" font-size="13" text-anchor="middle">${escapeXml(`${lane.server} GPU ${lane.gpus.join(',')}`)}</text>`);
  });
  for (let day = 0; day < input.term.days; day++) {
    const date = addDays(input.term.start, day);
    const y = top + day * cellHeight;
    const today = date === input.term.today;
    body.push(`<text x="${left - 10}" y="${y + cellHeight * 0.68}" font-size="12" text-anchor="end" ${today ? 'font-weight="bold"' : ''}>${today ? '▶ ' : ''}${date}</text>`);
    input.lanes.forEach((lane, c) => {
      const x = left + c * cellWidth;
      const slot = input.slots.find((s) => s.server === lane.server && s.gpus[0] === lane.gpus[0] && date >= s.startDate && date < addDays(s.startDate, s.days));
      const fill = lane.broken ? '#444444' : slot ? teamColors[slot.team] : '#f3f3f3';
      const stroke = slot && slot.team === input.myTeam ? ' stroke="#000000" stroke-width="2"' : ' stroke="#ffffff" stroke-width="1"';
      body.push(`<rect x="${x}" y="${y}" width="${cellWidth}" height="${cellHeight}" fill="${fill}"${stroke}/>`);
      if (slot && date === slot.startDate) {
        body.push(`<text x="${x + 6}" y="${y + cellHeight * 0.68}" font-size="12" fill="#ffffff">${escapeXml(`${slot.team} ${slot.kind}`)}</text>`);
      }
    });
  }
  teams.forEach((team, i) => {
    const x = left + (i % perRow) * legendColumn;
    const y = legendTop + Math.floor(i / perRow) * legendRow;
    body.push(`<rect x="${x}" y="${y}" width="16" height="16" fill="${teamColors[team]}"/>`);
    body.push(`<text x="${x + 22}" y="${y + 13}" font-size="13">${escapeXml(team)}</text>`);
  });
  body.push(`<text x="${left}" y="${height - 10}" font-size="11" fill="#666666">grey: free · dark: broken GPU · outlined: your team · ▶ today</text>`);
  return { svg: svgDocument(width, height, body), width, height, teamColors };
}
