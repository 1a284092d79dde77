import type { HtmlEscapedString } from 'hono/utils/html';
import { htmlFragment } from './html.ts';

export interface BarSeries {
  label: string;
  /** A bar per category; `interval` draws its confidence interval as a whisker across the bar. */
  values: Array<{ name: string; value: number; interval?: { low: number; high: number } }>;
}

const palette = ['#2E4057', '#E8A0BF', '#7FB77E', '#F6C85F', '#8C6BB1', '#D9734E'];

/**
 * A grouped horizontal bar chart as standalone SVG: one group per category, one bar per
 * series, with a whisker (`class="interval"`) from low to high where a value has an interval.
 * Hand-written because it is 60 lines and reports must open offline with no scripts. Titles,
 * labels and units are escaped by the template.
 */
export function barChartSvg(
  title: string,
  unit: string,
  categories: string[],
  series: BarSeries[],
): HtmlEscapedString {
  const barHeight = 16;
  const groupGap = 14;
  const labelWidth = 150;
  const chartWidth = 440;
  const legendHeight = 24 * Math.ceil(series.length / 3);
  const max = Math.max(
    1e-9,
    ...series.flatMap((item) => item.values.map((value) => Math.max(value.value, value.interval?.high ?? 0))),
  );
  const scale = (value: number) => (value / max) * chartWidth;
  const groupHeight = series.length * barHeight + groupGap;
  const height = 40 + legendHeight + categories.length * groupHeight;
  // Room for the value's label, and its interval's when there is one.
  const hasInterval = series.some((item) => item.values.some((value) => value.interval));
  const width = labelWidth + chartWidth + (hasInterval ? 150 : 90);
  const legend = series.map((item, index) => {
    const x = (index % 3) * 200;
    const y = 30 + Math.floor(index / 3) * 24;
    return htmlFragment`<rect x="${x}" y="${y}" width="12" height="12" rx="2" fill="${palette[index % palette.length]}"/><text x="${x + 18}" y="${y + 11}" font-size="12" fill="#333">${item.label}</text>`;
  });
  const groups = categories.map((category, categoryIndex) => {
    const top = 40 + legendHeight + categoryIndex * groupHeight;
    const bars = series.map((item, seriesIndex) => {
      const entry = item.values.find((candidate) => candidate.name === category);
      const value = entry?.value ?? 0;
      const barWidth = Math.max(1, scale(value));
      const y = top + seriesIndex * barHeight;
      const fill = palette[seriesIndex % palette.length];
      const interval = entry?.interval;
      const whiskerLines = (low: number, high: number) => {
        const [x1, x2] = [(labelWidth + scale(low)).toFixed(1), (labelWidth + scale(high)).toFixed(1)];
        return htmlFragment`<line x1="${x1}" y1="${y + barHeight / 2}" x2="${x2}" y2="${y + barHeight / 2}"/><line x1="${x1}" y1="${y + 3}" x2="${x1}" y2="${y + barHeight - 3}"/><line x1="${x2}" y1="${y + 3}" x2="${x2}" y2="${y + barHeight - 3}"/>`;
      };
      // A white halo under the dark whisker keeps it visible across a dark bar.
      const whisker = interval
        ? htmlFragment`<g stroke="#ffffff" stroke-width="3.2">${whiskerLines(interval.low, interval.high)}</g><g class="interval" stroke="#1d1d1d" stroke-width="1.2">${whiskerLines(interval.low, interval.high)}</g>`
        : '';
      const labelAt = labelWidth + Math.max(barWidth, interval ? scale(interval.high) : 0) + 6;
      const range = interval ? ` [${formatValue(interval.low)}, ${formatValue(interval.high)}]` : '';
      return htmlFragment`<rect x="${labelWidth}" y="${y + 2}" width="${barWidth.toFixed(1)}" height="${barHeight - 4}" rx="2" fill="${fill}"/>${whisker}<text x="${labelAt.toFixed(1)}" y="${y + barHeight - 4}" font-size="11" fill="#555">${formatValue(value)} ${unit}${range}</text>`;
    });
    return htmlFragment`<text x="${labelWidth - 8}" y="${top + (series.length * barHeight) / 2 + 4}" font-size="12" text-anchor="end" fill="#333">${category}</text>${bars}`;
  });
  return htmlFragment`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><text x="0" y="18" font-size="15" font-weight="600" fill="#1d1d1d">${title}</text>${legend}${groups}</svg>`;
}

function formatValue(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
