import { raw } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';
import pLimit from 'p-limit';
import type { ColourReport } from '../colour/colour-report.ts';
import type { AdherenceSummary } from '../judge/adherence-summary.ts';
import { adherenceOfJob } from '../judge/adherence-summary.ts';
import { formatAdherence } from '../judge/judge-image.ts';
import { chainViews } from '../ledger/chain-view.ts';
import type { JobRecord } from '../ledger/ledger.ts';
import type { Lockfile } from '../lock/lockfile.ts';
import { percentile } from '../util/percentile.ts';
import { loadSharp } from '../util/sharp.ts';
import { adherenceSection } from './adherence-section.ts';
import { barChartSvg } from './bar-chart.ts';
import { dataUri, detailFacts, htmlFragment } from './html.ts';

/** What the report reads of a run's summary (the pipeline's RunSummary has it and more). */
export interface ReportedRunSummary {
  runId: string;
  campaign: string;
  status: string;
  chains: number;
  chainsSucceeded: number;
  outputs: number;
  computedJobs: number;
  cacheHits: number;
  rerolls: number;
  wallMs: number;
  costUsd: number;
  failures: ReadonlyArray<{ shotId: string; seedIndex: number; stage: string; reason: string }>;
  warnings: readonly string[];
  colour?: ColourReport;
  /** Absent (older runs) reads as not measured. */
  adherence?: AdherenceSummary;
}

export interface RunReportInput {
  summary: ReportedRunSummary;
  stages: readonly string[];
  /** Shot ids in campaign order: the report follows the brief. */
  shotOrder: readonly string[];
  lock: Lockfile;
  jobs: readonly JobRecord[];
  /** The contact sheet as the report shows it (`contactSheetForReport`). */
  contactSheetJpeg: Uint8Array | undefined;
  /** A small JPEG preview of a stored artifact. */
  preview(address: string): Promise<Buffer | undefined>;
}

const styles = `
body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;margin:0;background:#f7f5f2;color:#1d1d1d}
header{padding:24px 32px;background:#1d2b3a;color:#fff}header h1{margin:0 0 6px;font-size:22px}
header p{margin:0;opacity:.8}main{padding:24px 32px;max-width:1400px}
section{margin-bottom:32px}h2{font-size:17px;margin:0 0 12px}
.facts{display:flex;gap:12px;flex-wrap:wrap}.fact{background:#fff;border-radius:10px;padding:12px 16px;box-shadow:0 1px 2px #0001}
.fact b{display:block;font-size:20px}.fact span{font-size:12px;color:#666}
.chain{background:#fff;border-radius:12px;padding:14px;margin-bottom:14px;box-shadow:0 1px 2px #0001}
.chain h3{margin:0 0 10px;font-size:14px}.chain.failed{border-left:4px solid #b3261e}
.strip{display:flex;gap:12px;overflow-x:auto}.stage{min-width:170px}.stage img{width:160px;height:160px;object-fit:contain;background:#eee;border-radius:8px;display:block}
.stage .name{font-weight:600;font-size:12px;margin:6px 0 2px}.stage dl{margin:0;font-size:11px;color:#444}
.stage dt{display:inline;color:#888}.stage dd{display:inline;margin:0 0 0 4px}.stage dd:after{content:"";display:block}
.badge{display:inline-block;font-size:11px;padding:1px 7px;border-radius:10px;background:#e7efe4;color:#2f5d2a;margin-left:6px}
.badge.bad{background:#f6e1df;color:#8a1c1c}.badge.cache{background:#e4ebf3;color:#27496d}
table{border-collapse:collapse;background:#fff;border-radius:8px;overflow:hidden}td,th{padding:6px 12px;border-bottom:1px solid #eee;text-align:left;font-size:13px}
pre{background:#fff;padding:12px;border-radius:8px;overflow:auto;font-size:12px}img.sheet{max-width:100%;border-radius:8px}
`;

/** A self-contained HTML report of a run (images inlined): it opens offline, anywhere. */
/** The contact sheet as a report inlines it: a JPEG, a fraction of the PNG's size. */
export async function contactSheetForReport(png: Uint8Array): Promise<Uint8Array> {
  const sharp = await loadSharp();
  return sharp(png).jpeg({ quality: 80 }).toBuffer();
}

export async function renderRunReport(input: RunReportInput): Promise<string> {
  const { summary } = input;
  const chains = chainViews(input.jobs, input.stages.length, input.shotOrder);
  // Previews are made (or read from the cache) a few at a time, not one after another.
  const limit = pLimit(4);
  const previews = new Map<string, Promise<Buffer | undefined>>();
  for (const job of chains.flatMap((chain) => chain.jobs)) {
    const shown = job.outputs.find((output) => output.primary) ?? job.outputs[0];
    if (shown && !previews.has(shown.sha256))
      previews.set(
        shown.sha256,
        limit(() => input.preview(shown.sha256)),
      );
  }
  const chainHtml: HtmlEscapedString[] = [];
  for (const chain of chains) {
    const cells: HtmlEscapedString[] = [];
    for (const job of chain.jobs) {
      const shown = job.outputs.find((output) => output.primary) ?? job.outputs[0];
      const preview = shown ? await previews.get(shown.sha256) : undefined;
      const badge =
        job.status === 'done'
          ? job.cacheHit
            ? htmlFragment`<span class="badge cache">cache</span>`
            : htmlFragment`<span class="badge">done</span>`
          : htmlFragment`<span class="badge bad">${job.status}</span>`;
      const image = preview
        ? htmlFragment`<img alt="${job.stage}" src="${dataUri(preview, 'image/jpeg')}">`
        : htmlFragment`<img alt="">`;
      const size = shown
        ? htmlFragment`<dt>size</dt><dd>${shown.width}x${shown.height}${job.outputs.length > 1 ? ` (+${job.outputs.length - 1} files)` : ''}</dd>`
        : '';
      // The adherence record is too deep for the generic facts: its score here, its answers below.
      const { adherence: _answers, ...shownDetails } = job.details ?? {};
      const adherence = adherenceOfJob(job);
      const facts = [
        ...(adherence ? [['adherence', formatAdherence(adherence.score)] as const] : []),
        ...detailFacts(shownDetails),
      ].map(([key, value]) => htmlFragment`<dt>${key}</dt><dd>${value}</dd>`);
      const time = job.cacheHit ? 'cached' : `${Math.round(job.durationMs ?? 0)} ms`;
      const reason = job.error ? htmlFragment`<dt>reason</dt><dd>${job.error}</dd>` : '';
      const warnings = job.warnings.length
        ? htmlFragment`<dt>warnings</dt><dd>${job.warnings.join('; ')}</dd>`
        : '';
      cells.push(
        htmlFragment`<div class="stage">${image}<div class="name">${job.stage}${badge}</div><dl><dt>time</dt><dd>${time}</dd>${size}${facts}${reason}${warnings}</dl></div>`,
      );
    }
    const rerolls = chain.rejected.map(
      (item, index) =>
        htmlFragment`${index ? htmlFragment`<br>` : ''}attempt ${item.attempt + 1} rejected at ${item.stage}: ${item.reason}`,
    );
    const failed = chain.status === 'failed';
    const attempt = chain.attempts > 1 ? ` · attempt ${chain.attempts}` : '';
    const failure = failed ? htmlFragment`<span class="badge bad">failed — ${chain.reason ?? ''}</span>` : '';
    const rejected = rerolls.length
      ? htmlFragment`<p style="font-size:12px;color:#8a5a00">${rerolls}</p>`
      : '';
    chainHtml.push(
      htmlFragment`<div class="chain${failed ? ' failed' : ''}" id="${chain.shotId}-${chain.seedIndex}"><h3>${chain.shotId} · seed ${chain.seed}${attempt}${failure}</h3>${rejected}<div class="strip">${cells}</div></div>`,
    );
  }

  const timings = barChartSvg(
    'Median time per job, by stage (computed jobs only)',
    'ms',
    [...input.stages],
    [
      {
        label: 'p50',
        values: input.stages.map((stage) => ({ name: stage, value: medianDuration(input.jobs, stage, 0.5) })),
      },
      {
        label: 'p95',
        values: input.stages.map((stage) => ({
          name: stage,
          value: medianDuration(input.jobs, stage, 0.95),
        })),
      },
    ],
  );
  const sheet = input.contactSheetJpeg
    ? htmlFragment`<img class="sheet" alt="contact sheet" src="${dataUri(input.contactSheetJpeg, 'image/jpeg')}">`
    : '';
  const facts: Array<[string, string]> = [
    ['status', summary.status],
    ['images', `${summary.chainsSucceeded}/${summary.chains}`],
    ['files', String(summary.outputs)],
    ['computed jobs', String(summary.computedJobs)],
    ['cache hits', String(summary.cacheHits)],
    ['re-rolls', String(summary.rerolls)],
    ['wall time', `${(summary.wallMs / 1000).toFixed(1)} s`],
    ['cost', `$${summary.costUsd.toFixed(2)}`],
  ];
  const failures = summary.failures.length
    ? htmlFragment`<table><tr><th>shot</th><th>seed #</th><th>stage</th><th>reason</th></tr>${summary.failures.map(
        (failure) =>
          htmlFragment`<tr><td>${failure.shotId}</td><td>${failure.seedIndex}</td><td>${failure.stage}</td><td>${failure.reason}</td></tr>`,
      )}</table>`
    : htmlFragment`<p>None.</p>`;
  const colour =
    summary.colour && summary.colour.images > 0
      ? htmlFragment`<section><h2>Colour</h2>${colourSection(summary.colour)}</section>`
      : '';
  const warnings = summary.warnings.length
    ? htmlFragment`<section><h2>Warnings</h2><ul>${summary.warnings.map((warning) => htmlFragment`<li>${warning}</li>`)}</ul></section>`
    : '';
  return htmlFragment`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${summary.campaign} — ${summary.runId}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${raw(styles)}</style></head><body>
<header><h1>${summary.campaign}</h1><p>run ${summary.runId} · ${input.stages.join(' → ')}</p></header>
<main>
<section>${factCards(facts)}</section>
${colour}
${adherenceSection(summary.adherence, chains)}
<section><h2>Contact sheet</h2>${sheet}</section>
<section><h2>Shots</h2>${chainHtml}</section>
<section><h2>Timings</h2>${timings}</section>
<section><h2>Failures</h2>${failures}</section>
${warnings}
<section><h2>Lock</h2><pre>${JSON.stringify(input.lock, null, 2)}</pre></section>
</main></body></html>
`.toString();
}

function factCards(facts: ReadonlyArray<[string, string]>): HtmlEscapedString {
  return htmlFragment`<div class="facts">${facts.map(
    ([label, value]) => htmlFragment`<div class="fact"><b>${value}</b><span>${label}</span></div>`,
  )}</div>`;
}

/** The set's colour consistency: headline figures, then each image's palette, outliers first. */
function colourSection(colour: ColourReport): HtmlEscapedString {
  const facts: Array<[string, string]> = [
    ['mean ΔE00 to brand palette', colour.brandDeltaE.mean.toFixed(1)],
    ['max ΔE00 to brand palette', colour.brandDeltaE.max.toFixed(1)],
    ['set spread (ΔE00)', colour.spread.toFixed(1)],
    [`outliers (> ${colour.sigma} sd)`, String(colour.outliers.length)],
  ];
  const images = [...colour.perImage].sort((a, b) => b.outlier.length - a.outlier.length);
  const rows = images.map((image) => {
    const swatches = image.palette.map(
      (hex) =>
        htmlFragment`<span title="${hex}" style="display:inline-block;width:18px;height:18px;border-radius:4px;margin-right:3px;background:${hex}"></span>`,
    );
    const outlier = image.outlier.length
      ? htmlFragment`<span class="badge bad">outlier: ${image.outlier.join(', ')}</span>`
      : '';
    return htmlFragment`<tr><td><a href="#${image.shotId}-${image.seedIndex}">${image.shotId} #${image.seedIndex}</a></td><td>${image.brandDeltaE.toFixed(1)}</td><td>${image.setDeltaE.toFixed(1)}</td><td>${swatches}</td><td>${outlier}</td></tr>`;
  });
  return htmlFragment`${factCards(facts)}<table style="margin-top:12px"><tr><th>image</th><th>ΔE00 to brand</th><th>ΔE00 to set</th><th>dominant palette</th><th></th></tr>${rows}</table>`;
}

function medianDuration(jobs: readonly JobRecord[], stage: string, fraction: number): number {
  const durations = jobs
    .filter((job) => job.stage === stage && job.status === 'done' && !job.cacheHit && job.durationMs !== null)
    .map((job) => job.durationMs!);
  return percentile(durations, fraction) ?? 0;
}
