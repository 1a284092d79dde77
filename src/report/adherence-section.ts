import type { HtmlEscapedString } from 'hono/utils/html';
import {
  type AdherenceSummary,
  adherenceNotMeasured,
  adherenceOfJob,
  formatAdherenceSummary,
} from '../judge/adherence-summary.ts';
import { formatAdherence } from '../judge/judge-image.ts';
import type { ChainView } from '../ledger/chain-view.ts';
import { htmlFragment } from './html.ts';

/**
 * The report's adherence section: the run's line (or `adherence: not measured (no judge model)`),
 * then one row per judged image: its score, mean P(yes) where the judge gave log-probabilities,
 * and the questions that counted no. Question text comes from configs and judges: escaped.
 */
export function adherenceSection(
  summary: AdherenceSummary | undefined,
  chains: readonly ChainView[],
): HtmlEscapedString {
  const line = summary ? formatAdherenceSummary(summary) : adherenceNotMeasured;
  const rows = chains.flatMap((chain) => {
    const adherence = chain.jobs.map(adherenceOfJob).find((record) => record !== undefined);
    if (!adherence) return [];
    const noes = adherence.questions
      .filter((question) => question.counted === 'no')
      .map(
        (question) =>
          htmlFragment`<li>${question.id}: ${question.question}${question.zeroedBy ? ` (yes, but ${question.zeroedBy} is no)` : ''}</li>`,
      );
    const pYes = adherence.meanPYes !== undefined ? adherence.meanPYes.toFixed(2) : 'unknown';
    return [
      htmlFragment`<tr><td><a href="#${chain.shotId}-${chain.seedIndex}">${chain.shotId} #${chain.seedIndex}</a></td><td>${formatAdherence(adherence.score)}</td><td>${pYes}</td><td>${adherence.questions.length}</td><td>${noes.length ? htmlFragment`<ul style="margin:0;padding-left:16px">${noes}</ul>` : '—'}</td><td>${adherence.judge}</td></tr>`,
    ];
  });
  const table = rows.length
    ? htmlFragment`<table style="margin-top:12px"><tr><th>image</th><th>adherence</th><th>mean P(yes)</th><th>questions</th><th>counted no</th><th>judge</th></tr>${rows}</table>`
    : '';
  return htmlFragment`<section><h2>Prompt adherence</h2><p class="adherence">${line}</p>${table}</section>`;
}
