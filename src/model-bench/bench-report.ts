import { barChartSvg } from '../report/bar-chart.ts';
import type { BenchResult } from './bench-schema.ts';

const fixed = (value: number, digits = 1) => value.toFixed(digits);
/** Text safe in a Markdown table cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/** The bench result as Markdown tables: per setup and stage, quality gates, and the sweep. */
export function benchMarkdown(result: BenchResult): string {
  const lines = [
    `# Atelier bench: ${result.campaign}`,
    '',
    `${result.machine}; seeds ${result.seeds.join(', ')}; ${result.date}`,
    '',
    '| setup | stage | jobs | p50 ms | p95 ms | images/min | peak RSS MB | cost USD |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const setup of result.setups) {
    for (const stage of setup.stages) {
      lines.push(
        stage.failed
          ? `| ${setup.label} | ${stage.stage} | 0 | failed: ${cell(stage.failed)} | - | ${fixed(setup.imagesPerMinute)} | ${fixed(setup.peakRssMb, 0)} | ${setup.costUsd.toFixed(2)} |`
          : `| ${setup.label} | ${stage.stage} | ${stage.jobs} | ${fixed(stage.p50Ms)} | ${fixed(stage.p95Ms)} | ${fixed(setup.imagesPerMinute)} | ${fixed(setup.peakRssMb, 0)} | ${setup.costUsd.toFixed(2)} |`,
      );
    }
  }
  const gated = result.setups.flatMap((setup) =>
    setup.quality.map((quality) => ({ setup: setup.label, ...quality })),
  );
  if (gated.length) {
    lines.push('', '| setup | gate | pass rate | mean score |', '| --- | --- | --- | --- |');
    for (const gate of gated) {
      lines.push(
        `| ${gate.setup} | ${gate.stage} | ${(gate.passRate * 100).toFixed(0)}% | ${gate.meanScore === null ? '-' : gate.meanScore.toFixed(3)} |`,
      );
    }
  }
  if (result.sweep.length) {
    // GPU columns only when a setup ran on a ComfyUI server (built-ins have process RSS only).
    const gpu = result.sweep.some((row) => row.peakVramMb !== undefined);
    lines.push(
      '',
      `| setup | stage | setting | ms | peak RSS MB |${gpu ? ' peak VRAM MB | outcome |' : ''}`,
      `| --- | --- | --- | --- | --- |${gpu ? ' --- | --- |' : ''}`,
    );
    for (const row of result.sweep)
      lines.push(
        `| ${row.setup} | ${row.stage} | ${row.setting} | ${row.failed ? `failed: ${cell(row.failed)}` : fixed(row.ms)} | ${fixed(row.peakRssMb, 0)} |${gpu ? ` ${row.peakVramMb === undefined ? '-' : fixed(row.peakVramMb, 0)} | ${row.failed ? 'failed' : 'ok'} |` : ''}`,
      );
  }
  return `${lines.join('\n')}\n`;
}

/** Two charts stacked in one SVG: p50 per stage for each setup, and time against resolution. */
export function benchChartSvg(result: BenchResult): string {
  const stages = [...new Set(result.setups.flatMap((setup) => setup.stages.map((stage) => stage.stage)))];
  const latency = barChartSvg(
    'p50 latency per stage',
    'ms',
    stages,
    result.setups.map((setup) => ({
      label: setup.label,
      values: setup.stages
        .filter((stage) => !stage.failed)
        .map((stage) => ({ name: stage.stage, value: stage.p50Ms })),
    })),
  );
  const settings = [...new Set(result.sweep.map((row) => row.setting))];
  const sweepStages = [...new Set(result.sweep.map((row) => row.stage))];
  const sweep = settings.length
    ? barChartSvg(
        'Time per stage against working resolution',
        'ms',
        settings,
        sweepStages.map((stage) => ({
          label: stage,
          values: result.sweep
            .filter((row) => row.stage === stage && !row.failed)
            .map((row) => ({ name: row.setting, value: row.ms })),
        })),
      )
    : '';
  const height = (svg: string) => Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
  const width = (svg: string) => Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
  const total = height(latency) + (sweep ? height(sweep) + 24 : 0);
  const maxWidth = Math.max(width(latency), sweep ? width(sweep) : 0);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${maxWidth}" height="${total}">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${latency}` +
    (sweep ? `<g transform="translate(0 ${height(latency) + 24})">${sweep}</g>` : '') +
    '</svg>'
  );
}
