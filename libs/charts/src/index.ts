export { calendarSvg, type CalendarChartInput, CALENDAR_LAYOUT } from './calendar-chart';
export { renderPng } from './render-png';
export { escapeXml, PALETTE, svgDocument } from './svg';
