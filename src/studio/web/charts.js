// @ts-check
// Small inline-SVG charts: no chart library, nothing fetched, crisp at any zoom.
import { h, s } from './dom.js';

/**
 * A horizontal bar chart.
 * @param {{ label: string, value: number | null, text: string, tone?: string }[]} rows
 * @param {{ max?: number, title: string, empty?: string }} options
 */
export function barChart(rows, options) {
  const rowHeight = 30;
  const labelWidth = 170;
  const width = 640;
  const valueWidth = 110;
  const barWidth = width - labelWidth - valueWidth;
  const max = options.max ?? Math.max(1e-9, ...rows.map((row) => row.value ?? 0));
  const height = rows.length * rowHeight + 8;
  const svg = s(
    'svg',
    {
      class: 'chart',
      viewBox: `0 0 ${width} ${height}`,
      role: 'img',
      'aria-label': options.title,
      preserveAspectRatio: 'xMinYMin meet',
    },
    s('title', {}, options.title),
    rows.map((row, index) => {
      const y = index * rowHeight + 4;
      const length = row.value === null ? 0 : Math.max(2, (row.value / max) * barWidth);
      return s(
        'g',
        { class: `chart-row tone-${row.tone ?? 'accent'}` },
        s(
          'text',
          {
            x: labelWidth - 10,
            y: y + rowHeight / 2,
            class: 'chart-label',
            'text-anchor': 'end',
            'dominant-baseline': 'middle',
          },
          truncate(row.label, 24),
        ),
        s('rect', {
          x: labelWidth,
          y: y + 6,
          width: barWidth,
          height: rowHeight - 12,
          rx: 4,
          class: 'chart-track',
        }),
        row.value !== null &&
          s('rect', {
            x: labelWidth,
            y: y + 6,
            width: length,
            height: rowHeight - 12,
            rx: 4,
            class: 'chart-bar',
          }),
        s(
          'text',
          {
            x: labelWidth + barWidth + 10,
            y: y + rowHeight / 2,
            class: 'chart-value',
            'dominant-baseline': 'middle',
          },
          row.text,
        ),
      );
    }),
  );
  return h(
    'figure',
    { class: 'chart-figure' },
    h('figcaption', {}, options.title),
    rows.length > 0 ? svg : h('p', { class: 'muted' }, options.empty ?? 'No data yet.'),
  );
}

/**
 * @param {string} text
 * @param {number} length
 */
function truncate(text, length) {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}
