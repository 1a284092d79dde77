import cliProgress from 'cli-progress';
import type { ColourReport } from '../colour/colour-report.ts';
import { formatAdherenceSummary } from '../judge/adherence-summary.ts';
import type { RunEvent, RunSummary } from '../pipeline/run-events.ts';

export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
}

/**
 * Shows a run's progress: a bar with counts and ETA on a terminal, one plain line per
 * finished job otherwise (logs, CI, pipes).
 */
export function createProgressReporter(stream: ProgressOutput & NodeJS.WritableStream) {
  let bar: cliProgress.SingleBar | undefined;
  let total = 0;
  let done = 0;
  const line = (text: string) => {
    if (bar) bar.stop();
    stream.write(`${text}\n`);
    if (bar) bar.start(total, done);
  };
  return (event: RunEvent) => {
    switch (event.type) {
      case 'lock':
        if (event.action !== 'matched') line(`lockfile ${event.action}: ${event.path}`);
        break;
      case 'run-started':
        total = event.totalJobs;
        line(
          `${event.resumed ? 'resuming' : 'starting'} run ${event.runId}: ${event.chains} images x ${event.stages.length} stages (${event.stages.join(' -> ')})`,
        );
        if (stream.isTTY) {
          bar = new cliProgress.SingleBar(
            {
              format: ' {bar} {value}/{total} jobs | {percentage}% | ETA {eta_formatted} | {last}',
              stream,
              hideCursor: true,
            },
            cliProgress.Presets.shades_classic,
          );
          bar.start(total, 0, { last: '' });
        }
        break;
      case 'job-finished': {
        done++;
        const label = `${event.shotId}#${event.seedIndex} ${event.stage} ${event.source}${event.source === 'computed' ? ` ${Math.round(event.durationMs)}ms` : ''}`;
        if (bar) bar.update(Math.min(done, total), { last: label });
        else stream.write(`[${done}/${total}] ${label}\n`);
        break;
      }
      case 'job-rejected':
        if (event.willReroll) total += 1;
        line(
          `${event.shotId}#${event.seedIndex} ${event.stage} rejected: ${event.reason}${event.willReroll ? ' — re-rolling the seed' : ''}`,
        );
        break;
      case 'chain-failed':
        line(`${event.shotId}#${event.seedIndex} failed at ${event.stage}: ${event.reason}`);
        break;
      case 'run-finished':
        if (bar) {
          bar.update(total);
          bar.stop();
          bar = undefined;
        }
        break;
      default:
        break;
    }
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row, index) => {
      const text = row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
        .join('  ');
      return index === 0 ? `${text}\n${widths.map((width) => '-'.repeat(width)).join('  ')}` : text;
    })
    .join('\n');
}

/** The end-of-run table: time and cache use per stage, then totals, failures and warnings. */
export function formatSummary(summary: RunSummary): string {
  const rows = [['stage', 'jobs', 'computed', 'cache hits', 'resumed', 'compute time']];
  for (const stage of summary.stages) {
    rows.push([
      stage.stage,
      String(stage.jobs),
      String(stage.computed),
      String(stage.cacheHits),
      String(stage.resumed),
      seconds(stage.computeMs),
    ]);
  }
  const lines = [
    '',
    table(rows),
    '',
    `run ${summary.runId} ${summary.status}: ${summary.shots} shots, ${summary.chainsSucceeded}/${summary.chains} images, ` +
      `${summary.outputs} files, ${summary.cacheHits} cache hits, ${summary.computedJobs} computed, ` +
      `${summary.rerolls} re-rolls, $${summary.costUsd.toFixed(2)}, ${seconds(summary.wallMs)}`,
  ];
  for (const failure of summary.failures) {
    lines.push(`  failed: ${failure.shotId}#${failure.seedIndex} at ${failure.stage}: ${failure.reason}`);
  }
  for (const warning of summary.warnings) lines.push(`  warning: ${warning}`);
  if (summary.colour && summary.colour.images > 0) lines.push(...formatColour(summary.colour));
  if (summary.adherence) lines.push(formatAdherenceSummary(summary.adherence));
  lines.push(`outputs: ${summary.runDirectory}`);
  return lines.join('\n');
}

/** The colour block: how far the set is from the brand palette, how alike it is, who stands out. */
export function formatColour(colour: ColourReport): string[] {
  const { brandDeltaE } = colour;
  const lines = [
    `colour: ${colour.images} images, ΔE00 to brand palette mean ${brandDeltaE.mean.toFixed(1)} ` +
      `(sd ${brandDeltaE.deviation.toFixed(1)}, max ${brandDeltaE.max.toFixed(1)}), set spread ${colour.spread.toFixed(1)}, ` +
      `${colour.outliers.length} outlier${colour.outliers.length === 1 ? '' : 's'} (> ${colour.sigma} sd)`,
  ];
  for (const image of colour.outliers) {
    lines.push(
      `  colour outlier: ${image.shotId}#${image.seedIndex}: ΔE00 ${image.brandDeltaE.toFixed(1)} from the brand, ` +
        `${image.setDeltaE.toFixed(1)} from the rest of the set (${image.outlier.join(', ')})`,
    );
  }
  return lines;
}
