export { BAR_LAYOUT, groupedBarPng, groupedBarSvg, type GroupedBarChart, type GroupedBarChartOptions } from './bar-chart';
export { calendarSvg, type CalendarChartInput, CALENDAR_LAYOUT } from './calendar-chart';
export { renderPng } from './render-png';
export { SCATTER_PALETTE, scatterPng, scatterSvg, type ScatterChart, type ScatterChartOptions, type ScatterPoints } from './scatter-chart';
export { escapeXml, PALETTE, svgDocument } from './svg';
