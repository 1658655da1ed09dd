import type { TimelineData } from './timeline.js';

/** One panel of the chart: the series drawn in it share a y axis. */
export interface ChartPanel {
  title: string;
  series: string[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
const WIDTH = 900;
const PANEL_HEIGHT = 170;
const MARGIN = { left: 60, right: 170, top: 34, bottom: 28 };

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function niceMax(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (value <= step * magnitude) return step * magnitude;
  return 10 * magnitude;
}

/** A step line for one series: each second's value held across that second. Gaps (null) break the line. */
function stepPath(values: Array<number | null>, x: (second: number) => number, y: (value: number) => number): string {
  const parts: string[] = [];
  let open = false;
  values.forEach((value, second) => {
    if (value === null) {
      open = false;
      return;
    }
    parts.push(`${open ? 'L' : 'M'}${x(second).toFixed(1)},${y(value).toFixed(1)}`, `L${x(second + 1).toFixed(1)},${y(value).toFixed(1)}`);
    open = true;
  });
  return parts.join(' ');
}

/**
 * A self-contained SVG of a timeline: one panel per group of series (step lines, one value per second), the
 * marks as dashed vertical lines, a legend per panel. No browser, no dependency.
 */
export function renderTimelineSvg(data: TimelineData, panels: ChartPanel[]): string {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const seconds = Math.max(1, data.seconds);
  const x = (second: number) => MARGIN.left + (second / seconds) * plotWidth;
  const height = panels.length * (PANEL_HEIGHT + MARGIN.top + MARGIN.bottom) + 30;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${MARGIN.left}" y="18" font-size="14" font-weight="bold">${escape(`${data.scenario}: ${data.name}`)}</text>`,
  ];
  let colorIndex = 0;
  panels.forEach((panel, index) => {
    const top = 30 + index * (PANEL_HEIGHT + MARGIN.top + MARGIN.bottom) + MARGIN.top;
    const bottom = top + PANEL_HEIGHT;
    const present = panel.series.filter((name) => data.series[name]);
    const max = niceMax(Math.max(0, ...present.flatMap((name) => data.series[name]!.filter((v): v is number => v !== null))));
    const y = (value: number) => bottom - (value / max) * PANEL_HEIGHT;
    out.push(`<text x="${MARGIN.left}" y="${top - 8}" font-weight="bold">${escape(panel.title)}</text>`);
    out.push(`<rect x="${MARGIN.left}" y="${top}" width="${plotWidth}" height="${PANEL_HEIGHT}" fill="none" stroke="#999"/>`);
    for (let tick = 0; tick <= 4; tick += 1) {
      const value = (max * tick) / 4;
      out.push(`<line x1="${MARGIN.left}" x2="${MARGIN.left + plotWidth}" y1="${y(value)}" y2="${y(value)}" stroke="#eee"/>`);
      out.push(`<text x="${MARGIN.left - 6}" y="${y(value) + 4}" text-anchor="end">${Number(value.toFixed(2))}</text>`);
    }
    const xStep = Math.max(1, niceMax(seconds / 10));
    for (let second = 0; second <= seconds; second += xStep) {
      out.push(`<text x="${x(second)}" y="${bottom + 14}" text-anchor="middle">${second}s</text>`);
    }
    for (const mark of data.marks) {
      out.push(`<line x1="${x(mark.t)}" x2="${x(mark.t)}" y1="${top}" y2="${bottom}" stroke="#888" stroke-dasharray="4 3"><title>${escape(`${mark.t}s ${mark.label}`)}</title></line>`);
    }
    present.forEach((name, legendIndex) => {
      const color = COLORS[colorIndex++ % COLORS.length]!;
      out.push(`<path d="${stepPath(data.series[name]!, x, y)}" fill="none" stroke="${color}" stroke-width="1.6"/>`);
      const legendY = top + 12 + legendIndex * 16;
      out.push(`<line x1="${WIDTH - MARGIN.right + 10}" x2="${WIDTH - MARGIN.right + 28}" y1="${legendY - 4}" y2="${legendY - 4}" stroke="${color}" stroke-width="2"/>`);
      out.push(`<text x="${WIDTH - MARGIN.right + 32}" y="${legendY}">${escape(`${name}${data.kinds[name] === 'counter' ? ' /s' : ''}`)}</text>`);
    });
  });
  // Marks listed under the chart, so their labels never overlap the lines.
  const marks = data.marks.map((mark) => `${mark.t}s ${mark.label}`).join('  |  ');
  out.push(`<text x="${MARGIN.left}" y="${height - 8}" font-size="10" fill="#444">${escape(marks.slice(0, 220))}</text>`);
  out.push('</svg>');
  return out.join('\n');
}
