import type { HtmlEscapedString } from 'hono/utils/html';
import { htmlFragment } from './html.ts';

export interface BarSeries {
  label: string;
  values: Array<{ name: string; value: number }>;
}

const palette = ['#2E4057', '#E8A0BF', '#7FB77E', '#F6C85F', '#8C6BB1', '#D9734E'];

/**
 * A grouped horizontal bar chart as standalone SVG: one group per category, one bar per
 * series. Hand-written because it is 50 lines and reports must open offline with no scripts.
 * Titles, labels and units are escaped by the template.
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
  const max = Math.max(1e-9, ...series.flatMap((item) => item.values.map((value) => value.value)));
  const groupHeight = series.length * barHeight + groupGap;
  const height = 40 + legendHeight + categories.length * groupHeight;
  const width = labelWidth + chartWidth + 90;
  const legend = series.map((item, index) => {
    const x = (index % 3) * 200;
    const y = 30 + Math.floor(index / 3) * 24;
    return htmlFragment`<rect x="${x}" y="${y}" width="12" height="12" rx="2" fill="${palette[index % palette.length]}"/><text x="${x + 18}" y="${y + 11}" font-size="12" fill="#333">${item.label}</text>`;
  });
  const groups = categories.map((category, categoryIndex) => {
    const top = 40 + legendHeight + categoryIndex * groupHeight;
    const bars = series.map((item, seriesIndex) => {
      const value = item.values.find((entry) => entry.name === category)?.value ?? 0;
      const barWidth = Math.max(1, (value / max) * chartWidth);
      const y = top + seriesIndex * barHeight;
      const fill = palette[seriesIndex % palette.length];
      return htmlFragment`<rect x="${labelWidth}" y="${y + 2}" width="${barWidth.toFixed(1)}" height="${barHeight - 4}" rx="2" fill="${fill}"/><text x="${(labelWidth + barWidth + 6).toFixed(1)}" y="${y + barHeight - 4}" font-size="11" fill="#555">${formatValue(value)} ${unit}</text>`;
    });
    return htmlFragment`<text x="${labelWidth - 8}" y="${top + (series.length * barHeight) / 2 + 4}" font-size="12" text-anchor="end" fill="#333">${category}</text>${bars}`;
  });
  return htmlFragment`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif"><text x="0" y="18" font-size="15" font-weight="600" fill="#1d1d1d">${title}</text>${legend}${groups}</svg>`;
}

function formatValue(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
