// @ts-check
// Prompt adherence in the studio: the judge's score on a gallery card, its questions and
// answers in the image detail, and on the metrics page how reviewers' verdicts relate to it.
import { h } from './dom.js';
import { formatPercent } from './format.js';

/** @typedef {import('../api-types.ts').AdherenceApproval} AdherenceApproval */
/** @typedef {import('../api-types.ts').ChainAdherence} ChainAdherence */
/** @typedef {import('../api-types.ts').GalleryChain} GalleryChain */

/** The mark a gallery card's adherence is measured against (the gate's usual `min`). */
export const adherenceMark = 0.8;

/**
 * The card's adherence chip, or nothing when no judge scored the image.
 * @param {ChainAdherence | null} adherence
 */
export function adherenceChip(adherence) {
  if (!adherence) return null;
  const tone = adherence.score >= adherenceMark ? 'good' : adherence.score >= 0.5 ? 'warn' : 'bad';
  return h(
    'span',
    {
      class: `adherence-chip adherence-${tone}`,
      title: `Prompt adherence by ${adherence.judge}${adherence.meanPYes === null ? '' : `, mean P(yes) ${adherence.meanPYes.toFixed(2)}`}`,
      dataset: { adherence: adherence.score.toFixed(4) },
    },
    `adherence ${formatPercent(adherence.score)}`,
  );
}

/**
 * @typedef {object} ScoredQuestion
 * @property {string} id
 * @property {string} question
 * @property {string} category
 * @property {string[]} dependsOn
 * @property {'yes' | 'no'} answer
 * @property {number} [pYes]
 * @property {'yes' | 'no'} counted
 * @property {string} [zeroedBy]
 */

/**
 * The questions the judge asked of the shown image, with its answers, P(yes) when known, and
 * which question zeroed a yes; nothing when no judge scored it.
 * @param {GalleryChain} chain
 */
export function adherenceQuestions(chain) {
  const record = /** @type {{ questions?: ScoredQuestion[], judge?: string, score?: number } | undefined} */ (
    chain.stages.find((cell) => cell.details?.adherence)?.details?.adherence
  );
  if (!record?.questions) return null;
  const withProbabilities = record.questions.some((question) => question.pYes !== undefined);
  return h(
    'div',
    { class: 'adherence-questions' },
    h(
      'p',
      { class: 'muted small' },
      `${formatPercent(record.score)} of ${record.questions.length} questions counted yes · judge ${record.judge}`,
    ),
    h(
      'table',
      { class: 'table compact' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Question', 'Category', 'Answer', withProbabilities && 'P(yes)'].map(
            (title) => title && h('th', {}, title),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        record.questions.map((question) =>
          h(
            'tr',
            { class: `answer-${question.counted}`, dataset: { question: question.id } },
            h('td', {}, question.question),
            h('td', { class: 'muted' }, question.category),
            h(
              'td',
              {},
              question.answer,
              question.zeroedBy &&
                h('span', { class: 'muted small' }, ` (counts no: “${question.zeroedBy}” is no)`),
            ),
            withProbabilities && h('td', {}, question.pYes === undefined ? '—' : question.pYes.toFixed(2)),
          ),
        ),
      ),
    ),
  );
}

/**
 * Do reviewers approve what the judge scores high? Mean adherence of approved and rejected
 * images, and the approval rate per band of adherence.
 * @param {AdherenceApproval | null} adherence
 */
export function adherenceApprovalSection(adherence) {
  if (!adherence) return null;
  return h(
    'div',
    { class: 'adherence-approval', dataset: { judged: adherence.judged } },
    h('h3', {}, 'Prompt adherence and approval'),
    h(
      'p',
      { class: 'muted' },
      `${adherence.judged} reviewed images scored by the judge: approved ones average ${formatPercent(adherence.approvedMean)} adherence, rejected ones ${formatPercent(adherence.rejectedMean)}.`,
    ),
    h(
      'table',
      { class: 'table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Adherence', 'Reviewed', 'Approved', 'Approval rate'].map((title) => h('th', {}, title)),
        ),
      ),
      h(
        'tbody',
        {},
        adherence.bands.map((band) =>
          h(
            'tr',
            { dataset: { band: band.band } },
            h('td', {}, band.band),
            h('td', {}, String(band.reviewed)),
            h('td', {}, String(band.approved)),
            h('td', {}, formatPercent(band.approvalRate)),
          ),
        ),
      ),
    ),
  );
}
