import pLimit from 'p-limit';
import sharp from 'sharp';
import type { ColourReport } from '../color/colour-report.ts';
import type { JobRecord } from '../ledger/ledger.ts';
import type { Lockfile } from '../lock/lockfile.ts';
import { chainViews } from '../pipeline/chain-view.ts';
import type { RunSummary } from '../pipeline/run-events.ts';
import { percentile } from '../util/percentile.ts';
import { barChartSvg } from './bar-chart.ts';
import { dataUri, detailFacts, escapeHtml } from './html.ts';

export interface RunReportInput {
  summary: RunSummary;
  stages: readonly string[];
  /** Shot ids in campaign order: the report follows the brief. */
  shotOrder: readonly string[];
  lock: Lockfile;
  jobs: readonly JobRecord[];
  contactSheet: Uint8Array | undefined;
  /** A small JPEG preview of a stored artifact. */
  thumbnail(address: string): Promise<Buffer | undefined>;
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
        limit(() => input.thumbnail(shown.sha256)),
      );
  }
  const chainHtml: string[] = [];
  for (const chain of chains) {
    const cells: string[] = [];
    for (const job of chain.jobs) {
      const shown = job.outputs.find((output) => output.primary) ?? job.outputs[0];
      const preview = shown ? await previews.get(shown.sha256) : undefined;
      const facts = detailFacts(job.details);
      const badge =
        job.status === 'done'
          ? job.cacheHit
            ? '<span class="badge cache">cache</span>'
            : '<span class="badge">done</span>'
          : `<span class="badge bad">${escapeHtml(job.status)}</span>`;
      cells.push(
        `<div class="stage">${preview ? `<img alt="${escapeHtml(job.stage)}" src="${dataUri(preview, 'image/jpeg')}">` : '<img alt="">'}` +
          `<div class="name">${escapeHtml(job.stage)}${badge}</div><dl>` +
          `<dt>time</dt><dd>${job.cacheHit ? 'cached' : `${Math.round(job.durationMs ?? 0)} ms`}</dd>` +
          (shown
            ? `<dt>size</dt><dd>${shown.width}x${shown.height}${job.outputs.length > 1 ? ` (+${job.outputs.length - 1} files)` : ''}</dd>`
            : '') +
          facts.map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd>${escapeHtml(value)}</dd>`).join('') +
          (job.error ? `<dt>reason</dt><dd>${escapeHtml(job.error)}</dd>` : '') +
          (job.warnings.length ? `<dt>warnings</dt><dd>${escapeHtml(job.warnings.join('; '))}</dd>` : '') +
          '</dl></div>',
      );
    }
    const rerolls = chain.rejected.map(
      (item) => `attempt ${item.attempt + 1} rejected at ${item.stage}: ${item.reason}`,
    );
    chainHtml.push(
      `<div class="chain${chain.status === 'failed' ? ' failed' : ''}" id="${escapeHtml(`${chain.shotId}-${chain.seedIndex}`)}">` +
        `<h3>${escapeHtml(chain.shotId)} · seed ${chain.seed}${chain.attempts > 1 ? ` · attempt ${chain.attempts}` : ''}` +
        `${chain.status === 'failed' ? `<span class="badge bad">failed — ${escapeHtml(chain.reason ?? '')}</span>` : ''}</h3>` +
        (rerolls.length
          ? `<p style="font-size:12px;color:#8a5a00">${rerolls.map(escapeHtml).join('<br>')}</p>`
          : '') +
        `<div class="strip">${cells.join('')}</div></div>`,
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
  const sheet = input.contactSheet
    ? `<img class="sheet" alt="contact sheet" src="${dataUri(await sharp(input.contactSheet).jpeg({ quality: 80 }).toBuffer(), 'image/jpeg')}">`
    : '';
  const facts = [
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
    ? `<table><tr><th>shot</th><th>seed #</th><th>stage</th><th>reason</th></tr>${summary.failures
        .map(
          (failure) =>
            `<tr><td>${escapeHtml(failure.shotId)}</td><td>${failure.seedIndex}</td><td>${escapeHtml(failure.stage)}</td><td>${escapeHtml(failure.reason)}</td></tr>`,
        )
        .join('')}</table>`
    : '<p>None.</p>';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(summary.campaign)} — ${escapeHtml(summary.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${styles}</style></head><body>
<header><h1>${escapeHtml(summary.campaign)}</h1><p>run ${escapeHtml(summary.runId)} · ${escapeHtml(input.stages.join(' → '))}</p></header>
<main>
<section><div class="facts">${facts.map(([label, value]) => `<div class="fact"><b>${escapeHtml(value!)}</b><span>${escapeHtml(label!)}</span></div>`).join('')}</div></section>
${summary.colour && summary.colour.images > 0 ? `<section><h2>Colour</h2>${colourSection(summary.colour)}</section>` : ''}
<section><h2>Contact sheet</h2>${sheet}</section>
<section><h2>Shots</h2>${chainHtml.join('\n')}</section>
<section><h2>Timings</h2>${timings}</section>
<section><h2>Failures</h2>${failures}</section>
${summary.warnings.length ? `<section><h2>Warnings</h2><ul>${summary.warnings.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ul></section>` : ''}
<section><h2>Lock</h2><pre>${escapeHtml(JSON.stringify(input.lock, null, 2))}</pre></section>
</main></body></html>
`;
}

/** The set's colour consistency: headline figures, then each image's palette, outliers first. */
function colourSection(colour: ColourReport): string {
  const facts = [
    ['mean ΔE00 to brand palette', colour.brandDeltaE.mean.toFixed(1)],
    ['max ΔE00 to brand palette', colour.brandDeltaE.max.toFixed(1)],
    ['set spread (ΔE00)', colour.spread.toFixed(1)],
    [`outliers (> ${colour.sigma} sd)`, String(colour.outliers.length)],
  ];
  const images = [...colour.perImage].sort((a, b) => b.outlier.length - a.outlier.length);
  const rows = images.map(
    (image) =>
      `<tr><td><a href="#${escapeHtml(`${image.shotId}-${image.seedIndex}`)}">${escapeHtml(image.shotId)} #${image.seedIndex}</a></td>` +
      `<td>${image.brandDeltaE.toFixed(1)}</td><td>${image.setDeltaE.toFixed(1)}</td><td>` +
      image.palette
        .map(
          (hex) =>
            `<span title="${escapeHtml(hex)}" style="display:inline-block;width:18px;height:18px;border-radius:4px;margin-right:3px;background:${escapeHtml(hex)}"></span>`,
        )
        .join('') +
      `</td><td>${image.outlier.length ? `<span class="badge bad">outlier: ${escapeHtml(image.outlier.join(', '))}</span>` : ''}</td></tr>`,
  );
  return (
    `<div class="facts">${facts.map(([label, value]) => `<div class="fact"><b>${escapeHtml(value!)}</b><span>${escapeHtml(label!)}</span></div>`).join('')}</div>` +
    `<table style="margin-top:12px"><tr><th>image</th><th>ΔE00 to brand</th><th>ΔE00 to set</th><th>dominant palette</th><th></th></tr>${rows.join('')}</table>`
  );
}

function medianDuration(jobs: readonly JobRecord[], stage: string, fraction: number): number {
  const durations = jobs
    .filter((job) => job.stage === stage && job.status === 'done' && !job.cacheHit && job.durationMs !== null)
    .map((job) => job.durationMs!);
  return percentile(durations, fraction) ?? 0;
}
