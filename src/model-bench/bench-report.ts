import { adherenceNotMeasured } from '../judge/adherence-summary.ts';
import { barChartSvg } from '../report/bar-chart.ts';
import { formatInterval } from './bench-adherence.ts';
import type { BenchResult } from './bench-schema.ts';

const fixed = (value: number, digits = 1) => value.toFixed(digits);
/** Text safe in a Markdown table cell. */
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\s+/g, ' ');

/**
 * The seed's table, one row per setup: seconds per image, prompt adherence with its 95%
 * bootstrap interval over images (or why it was not measured), and cost.
 */
export function headlineMarkdown(result: BenchResult): string[] {
  const lines = [
    '| setup | s/image | adherence % [95% CI] | images | cost USD | USD/image |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const setup of result.setups) {
    const perImage = setup.images > 0 ? setup.wallMs / 1000 / setup.images : Number.NaN;
    const adherence = setup.adherence
      ? formatInterval(setup.adherence.adherence)
      : result.judge
        ? 'no image judged'
        : 'not measured (no judge model)';
    lines.push(
      `| ${cell(setup.label)} | ${Number.isFinite(perImage) ? perImage.toFixed(2) : '-'} | ${adherence} | ${setup.images} | ${setup.costUsd.toFixed(4)} | ${setup.images > 0 ? (setup.costUsd / setup.images).toFixed(4) : '-'} |`,
    );
  }
  return lines;
}

/**
 * The one-off cost of writing the shots' questions: done once before the setups run, so it is in
 * none of their costs and gets its own line.
 */
export function questionsLine(result: BenchResult): string[] {
  const questions = result.questions;
  if (!questions) return [];
  const fromLedger = questions.prompts - questions.written;
  const cost =
    questions.costUsd === null
      ? 'cost unknown (no tokenPrices for the writer)'
      : `cost USD ${questions.costUsd.toFixed(4)}`;
  return [
    '',
    `Question writing (once for every setup, in no setup's cost): ${cell(questions.writer)}, ${questions.prompts} prompt${questions.prompts === 1 ? '' : 's'} (${questions.written} written now, ${fromLedger} from the ledger), ${cost}.`,
  ];
}

/** Adherence by question category, paired differences, and P(yes): what the judge found. */
function adherenceMarkdown(result: BenchResult): string[] {
  const judged = result.setups.filter((setup) => setup.adherence);
  if (!result.judge) return ['', adherenceNotMeasured];
  if (judged.length === 0) return [];
  const categories = [...new Set(judged.flatMap((setup) => Object.keys(setup.adherence!.categories)))];
  const lines = [
    '',
    `Judge: ${result.judge}. Adherence is the share of a shot's yes/no questions the judge answered yes (a question counts no when one it depends on is no), per image; intervals are 95% percentile bootstrap over images.`,
    '',
    `| setup | ${categories.join(' | ')} | mean P(yes) | judge USD |`,
    `| --- | ${categories.map(() => '---').join(' | ')} | --- | --- |`,
  ];
  for (const setup of judged) {
    const figures = setup.adherence!;
    const shares = categories.map((category) => {
      const tally = figures.categories[category];
      return tally ? `${((tally.yes / tally.total) * 100).toFixed(0)}% (${tally.yes}/${tally.total})` : '-';
    });
    lines.push(
      `| ${cell(setup.label)} | ${shares.join(' | ')} | ${figures.meanPYes === undefined ? '-' : figures.meanPYes.toFixed(3)} | ${figures.judgeCostUsd.toFixed(4)} |`,
    );
  }
  if (result.comparisons?.length) {
    lines.push('', '| setup vs baseline | pairs | difference in adherence [95% CI] |', '| --- | --- | --- |');
    for (const comparison of result.comparisons) {
      lines.push(
        `| ${cell(comparison.setup)} vs ${cell(comparison.baseline)} | ${comparison.pairs} | ${formatInterval(comparison.difference, true)} |`,
      );
    }
  }
  return lines;
}

/** The bench result as Markdown tables: per setup and stage, quality gates, and the sweep. */
export function benchMarkdown(result: BenchResult): string {
  const lines = [
    `# Atelier bench: ${result.campaign}`,
    '',
    `${result.machine}; seeds ${result.seeds.join(', ')}; ${result.date}`,
    '',
    ...headlineMarkdown(result),
    ...questionsLine(result),
    ...adherenceMarkdown(result),
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
  const judged = result.setups.filter((setup) => setup.adherence);
  // Overall adherence with its 95% interval as a whisker, then each category: one bar per setup.
  const adherenceCategories = [
    'adherence',
    ...new Set(judged.flatMap((setup) => Object.keys(setup.adherence!.categories))),
  ];
  const adherence = judged.length
    ? barChartSvg(
        `Prompt adherence (judge ${result.judge}; whiskers: 95% CI)`,
        '%',
        adherenceCategories,
        judged.map((setup) => {
          const figures = setup.adherence!;
          return {
            label: setup.label,
            values: [
              {
                name: 'adherence',
                value: figures.adherence.mean * 100,
                interval: { low: figures.adherence.low * 100, high: figures.adherence.high * 100 },
              },
              ...Object.entries(figures.categories).map(([name, tally]) => ({
                name,
                value: (tally.yes / tally.total) * 100,
              })),
            ],
          };
        }),
      )
    : '';
  const height = (svg: string) => Number(/height="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
  const width = (svg: string) => Number(/width="(\d+(?:\.\d+)?)"/.exec(svg)?.[1] ?? 0);
  const charts = [latency, adherence, sweep].filter((svg) => svg !== '');
  let offset = 0;
  const placed = charts.map((svg) => {
    const group = `<g transform="translate(0 ${offset})">${svg}</g>`;
    offset += height(svg) + 24;
    return group;
  });
  const maxWidth = Math.max(...charts.map(width));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${maxWidth}" height="${offset - 24}">` +
    `<rect width="100%" height="100%" fill="#ffffff"/>${placed.join('')}` +
    '</svg>'
  );
}
