import { escapeMarkup } from './markup.js';

/** One bar of a bar chart. */
export interface Bar {
  label: string;
  value: number;
}

/** One line of a line chart: y values at shared x positions (null = no reading). */
export interface Series {
  name: string;
  values: ReadonlyArray<number | null>;
}

const WIDTH = 720;
const HEIGHT = 320;
const MARGIN = { top: 40, right: 20, bottom: 60, left: 70 };
const COLORS = ['#2f6fad', '#d9822b', '#3f9142', '#b83280', '#7b61c2', '#1f9aa3'];

function frame(title: string, content: string): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">`,
    `<title>${escapeMarkup(title)}</title>`,
    '<rect width="100%" height="100%" fill="#ffffff"/>',
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-family="sans-serif" font-size="16">${escapeMarkup(title)}</text>`,
    content,
    '</svg>',
  ].join('\n');
}

function axes(max: number, unit: string): string {
  const plotBottom = HEIGHT - MARGIN.bottom;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((fraction) => {
    const y = plotBottom - fraction * (plotBottom - MARGIN.top);
    const label = formatNumber(max * fraction);
    return (
      `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y}" y2="${y}" stroke="#e4e7eb"/>` +
      `<text x="${MARGIN.left - 6}" y="${y + 4}" text-anchor="end" font-family="sans-serif" font-size="11">${escapeMarkup(label)}</text>`
    );
  });
  const unitLabel = `<text x="14" y="${MARGIN.top - 10}" font-family="sans-serif" font-size="11">${escapeMarkup(unit)}</text>`;
  return [...ticks, unitLabel].join('\n');
}

function formatNumber(value: number): string {
  if (Math.abs(value) >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (Math.abs(value) >= 10_000) return `${(value / 1000).toFixed(0)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/** A vertical bar chart as a standalone SVG document. Labels are cut at 14 characters. */
export function barChartSvg(title: string, bars: readonly Bar[], unit: string): string {
  const max = Math.max(1, ...bars.map((bar) => bar.value));
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const slot = plotWidth / Math.max(1, bars.length);
  const shapes = bars.map((bar, index) => {
    const height = (bar.value / max) * plotHeight;
    const x = MARGIN.left + index * slot + slot * 0.15;
    const y = HEIGHT - MARGIN.bottom - height;
    const label = bar.label.length > 14 ? `${bar.label.slice(0, 13)}…` : bar.label;
    return (
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(slot * 0.7).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLORS[index % COLORS.length]}"><title>${escapeMarkup(`${bar.label}: ${bar.value}`)}</title></rect>` +
      `<text x="${(x + slot * 0.35).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-family="sans-serif" font-size="11">${escapeMarkup(label)}</text>`
    );
  });
  return frame(title, [axes(max, unit), ...shapes].join('\n'));
}

/** A line chart (one polyline per series, shared x labels, a legend) as a standalone SVG document. */
export function lineChartSvg(
  title: string,
  xLabels: readonly string[],
  series: readonly Series[],
  unit: string,
): string {
  const values = series.flatMap((line) => line.values.filter((value): value is number => value !== null));
  const max = Math.max(1, ...values) * 1.1;
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right;
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom;
  const step = plotWidth / Math.max(1, xLabels.length - 1);
  const x = (index: number) => MARGIN.left + index * step;
  const y = (value: number) => HEIGHT - MARGIN.bottom - (value / max) * plotHeight;
  const lines = series.map((line, index) => {
    const points = line.values.flatMap((value, at) =>
      value === null ? [] : [`${x(at).toFixed(1)},${y(value).toFixed(1)}`],
    );
    const color = COLORS[index % COLORS.length];
    const legend = `<text x="${MARGIN.left + index * 150}" y="${HEIGHT - 12}" font-family="sans-serif" font-size="12" fill="${color}">■ ${escapeMarkup(line.name)}</text>`;
    // Dots too: a series of one reading (the first minute of a day) draws no line.
    const dots =
      points.length <= 120
        ? points
            .map((point) => `<circle cx="${point.split(',')[0]}" cy="${point.split(',')[1]}" r="2.5" fill="${color}"/>`)
            .join('')
        : '';
    return `<polyline fill="none" stroke="${color}" stroke-width="2" points="${points.join(' ')}"/>${dots}\n${legend}`;
  });
  const every = Math.max(1, Math.ceil(xLabels.length / 8));
  const labels = xLabels.flatMap((label, index) =>
    index % every === 0
      ? [
          `<text x="${x(index).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" font-family="sans-serif" font-size="11">${escapeMarkup(label)}</text>`,
        ]
      : [],
  );
  return frame(title, [axes(max, unit), ...lines, ...labels].join('\n'));
}
