// @ts-check
// One image in full: large preview, its stage strip, review actions and history, and the
// manifest (prompt, seeds, models as locked, timings, cost, files).

import { adherenceQuestions } from './adherence-view.js';
import { paths } from './api.js';
import { h } from './dom.js';
import { formatCost, formatDuration, formatTime, shortSha } from './format.js';
import { stageStrip } from './stage-strip.js';

/** @typedef {import('../api-types.ts').ChainDetailResponse} ChainDetailResponse */
/** @typedef {import('../api-types.ts').GalleryChain} GalleryChain */
/** @typedef {import('../api-types.ts').ReviewDecision} ReviewDecision */
/** @typedef {import('../api-types.ts').StoredOutput} StoredOutput */

/**
 * @param {object} options
 * @param {string} options.campaign  campaign id
 * @param {ChainDetailResponse} options.detail    GET .../chains/:shot/:seedIndex
 * @param {string[]} options.stages  the run's stage names
 * @param {(decision: ReviewDecision, comment?: string) => Promise<boolean>} options.onReview
 *   records a review; true once saved
 * @param {() => void} options.onClose
 * @param {() => void} options.onPrevious
 * @param {() => void} options.onNext
 * @param {boolean} [options.focusComment]  put the caret in the comment box
 * @returns {{ element: HTMLElement, comment: HTMLTextAreaElement }}
 */
export function shotDetail({
  campaign,
  detail,
  stages,
  onReview,
  onClose,
  onPrevious,
  onNext,
  focusComment,
}) {
  const { chain, run } = detail;
  const image = h('img', {
    class: 'detail-img',
    alt: `${chain.shotId}, seed ${chain.seed}`,
    src: chain.image ? paths.artifact(campaign, chain.image.sha256, 1280) : '',
  });
  const caption = h(
    'figcaption',
    { class: 'muted' },
    chain.image ? captionFor(chain.image, 'final image') : 'No image yet',
  );
  const strip = stageStrip(campaign, stages, chain.stages, { size: 'large' });
  // Clicking a stage shows its output in the large preview.
  strip.addEventListener('click', (event) => {
    const tile = event.target instanceof Element ? event.target.closest('[data-stage]') : null;
    const stage = tile instanceof HTMLElement ? tile.dataset.stage : undefined;
    const cell = chain.stages.find((candidate) => candidate.stage === stage);
    if (!cell?.thumbnail) return;
    image.src = paths.artifact(campaign, cell.thumbnail.sha256, 1280);
    caption.textContent = captionFor(cell.thumbnail, cell.stage);
  });

  const comment = h('textarea', {
    class: 'comment-input',
    rows: 2,
    maxlength: 4000,
    placeholder: 'Add a comment — Enter to send, Shift+Enter for a new line',
    'aria-label': 'Comment',
  });
  const sendComment = async () => {
    const text = comment.value.trim();
    if (!text) return;
    if (await onReview('comment', text)) comment.value = '';
  };
  comment.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      sendComment();
    } else if (event.key === 'Escape') comment.blur();
  });
  const reviewable = chain.status === 'succeeded';

  const panel = h(
    'section',
    {
      class: 'detail',
      role: 'dialog',
      'aria-modal': 'true',
      'aria-label': `${chain.shotId} seed ${chain.seed}`,
      dataset: { shot: chain.shotId, seedIndex: chain.seedIndex },
    },
    h(
      'header',
      { class: 'detail-head' },
      h(
        'div',
        {},
        h('h2', {}, chain.shotId, h('span', { class: 'muted' }, ` · seed ${chain.seed}`)),
        chain.headline && h('div', { class: 'headline' }, `“${chain.headline}”`),
      ),
      h(
        'div',
        { class: 'detail-nav' },
        h('button', { class: 'button button-ghost', onclick: onPrevious, title: 'Previous (←)' }, '←'),
        h('button', { class: 'button button-ghost', onclick: onNext, title: 'Next (→)' }, '→'),
        h(
          'button',
          { class: 'button button-ghost', onclick: onClose, title: 'Close (Esc)', 'aria-label': 'Close' },
          '✕',
        ),
      ),
    ),
    h(
      'div',
      { class: 'detail-body' },
      h(
        'figure',
        { class: 'detail-figure' },
        chain.image ? image : h('div', { class: 'detail-placeholder' }, chain.reason ?? chain.status),
        caption,
      ),
      h(
        'aside',
        { class: 'detail-side' },
        decisionBanner(chain),
        h(
          'div',
          { class: 'review-actions' },
          h(
            'button',
            { class: 'button button-approve', disabled: !reviewable, onclick: () => onReview('approve') },
            'Approve',
            h('kbd', {}, 'A'),
          ),
          h(
            'button',
            { class: 'button button-reject', disabled: !reviewable, onclick: () => onReview('reject') },
            'Reject',
            h('kbd', {}, 'R'),
          ),
        ),
        h(
          'div',
          { class: 'comment-box' },
          comment,
          h(
            'button',
            { class: 'button button-small', disabled: !reviewable, onclick: sendComment },
            'Comment',
            h('kbd', {}, 'C'),
          ),
        ),
        section('Brief', h('p', { class: 'prompt' }, chain.prompt ?? manifestPrompt(detail) ?? '—')),
        chain.adherence && section('Prompt adherence', adherenceQuestions(chain)),
        section('History', history(detail)),
        section('Manifest', manifest(detail, campaign)),
        detail.otherRuns.length > 1 &&
          section(
            'Compare',
            h(
              'ul',
              { class: 'compare-links' },
              detail.otherRuns
                .filter((other) => other.id !== run.id)
                .map((other) =>
                  h(
                    'li',
                    {},
                    h(
                      'a',
                      {
                        href: `#/c/${encodeURIComponent(campaign)}/compare/${encodeURIComponent(chain.shotId)}/${chain.seedIndex}?a=${encodeURIComponent(run.id)}&b=${encodeURIComponent(other.id)}`,
                      },
                      `with run ${other.id}`,
                    ),
                    h(
                      'span',
                      { class: 'muted small' },
                      other.image?.sha256 === chain.image?.sha256
                        ? ' · identical image'
                        : ' · different image',
                    ),
                  ),
                ),
            ),
          ),
      ),
    ),
    strip,
  );
  if (focusComment) queueMicrotask(() => comment.focus());
  return {
    element: h(
      'div',
      { class: 'detail-backdrop', onclick: (event) => event.target === event.currentTarget && onClose() },
      panel,
    ),
    comment,
  };
}

/**
 * @param {StoredOutput} output
 * @param {string} label
 */
function captionFor(output, label) {
  return `${label} · ${output.width}×${output.height} · ${output.mediaType.replace('image/', '')} · ${shortSha(output.sha256)}`;
}

/**
 * @param {string} title
 * @param {...import('./dom.js').Child} content
 */
function section(title, ...content) {
  return h('section', { class: 'detail-section' }, h('h3', {}, title), ...content);
}

/** @param {GalleryChain} chain */
function decisionBanner(chain) {
  if (chain.status !== 'succeeded')
    return h(
      'div',
      { class: `decision decision-${chain.status}` },
      chain.status === 'failed' ? `Failed: ${chain.reason}` : `Not finished (${chain.status})`,
    );
  const decision = chain.decision;
  if (!decision) return h('div', { class: 'decision decision-none' }, 'Not reviewed yet');
  return h(
    'div',
    { class: `decision decision-${decision.decision}`, dataset: { decision: decision.decision } },
    `${decision.decision === 'approve' ? 'Approved' : 'Rejected'} by ${decision.reviewer}`,
    h('span', { class: 'muted' }, ` · ${formatTime(decision.createdAt)}`),
  );
}

/** @param {ChainDetailResponse} detail */
function history(detail) {
  if (detail.history.length === 0) return h('p', { class: 'muted' }, 'No reviews yet.');
  const current = detail.chain.image?.sha256;
  return h(
    'ol',
    { class: 'history' },
    [...detail.history]
      .reverse()
      .map((review) =>
        h(
          'li',
          { class: `history-${review.decision}` },
          h('span', { class: `pill pill-${review.decision}` }, review.decision),
          h('strong', {}, review.reviewer),
          h('span', { class: 'muted small' }, formatTime(review.createdAt)),
          review.runId !== detail.run.id && h('span', { class: 'muted small' }, ` · run ${review.runId}`),
          review.sha256 !== current && h('span', { class: 'muted small' }, ' · earlier render'),
          review.comment && h('p', { class: 'history-comment' }, review.comment),
        ),
      ),
  );
}

/**
 * The manifest of the chain's image, as the run folder keeps it.
 * @param {ChainDetailResponse} detail
 */
function manifestOf(detail) {
  const master = detail.outputs.find((output) => output.output.sha256 === detail.chain.image?.sha256);
  return master?.manifest ?? null;
}

/**
 * The prompt the image's manifest records (for chains the current config no longer lists).
 * @param {ChainDetailResponse} detail
 */
function manifestPrompt(detail) {
  const prompt = manifestOf(detail)?.prompt;
  return typeof prompt === 'string' ? prompt : undefined;
}

/**
 * @param {ChainDetailResponse} detail
 * @param {string} campaign
 */
function manifest(detail, campaign) {
  const { chain, run } = detail;
  const models = Object.entries(run.lock?.models ?? {});
  const total = chain.stages.reduce((sum, cell) => sum + (cell.durationMs ?? 0), 0);
  const cost = chain.stages.reduce((sum, cell) => sum + (cell.costUsd ?? 0), 0);
  const rows = [
    [
      'Seed',
      chain.renderSeed === chain.seed
        ? String(chain.seed)
        : `${chain.renderSeed} (re-roll ${chain.attempt} of seed ${chain.seed})`,
    ],
    ['Run', run.id],
    [
      'Render time',
      `${formatDuration(total)}${chain.stages.some((cell) => cell.cacheHit) ? ' (cache hits cost nothing)' : ''}`,
    ],
    ['Cost', formatCost(cost)],
    ['Ready', formatTime(chain.readyAt)],
  ];
  const master = manifestOf(detail);
  return h(
    'div',
    { class: 'manifest' },
    h(
      'dl',
      {},
      rows.map(([term, value]) => [h('dt', {}, term), h('dd', {}, value)]),
    ),
    h('h4', {}, 'Models (lock)'),
    h(
      'ul',
      { class: 'lock-entries' },
      models.map(([role, entry]) =>
        h(
          'li',
          {},
          h('strong', {}, role),
          ' ',
          h('span', { class: 'mono' }, entry.reference),
          entry.version && h('span', { class: 'muted' }, ` @${entry.version}`),
          entry.sha256 &&
            h('span', { class: 'muted mono small', title: entry.sha256 }, ` · ${shortSha(entry.sha256)}`),
        ),
      ),
    ),
    h('h4', {}, 'Stages'),
    h(
      'table',
      { class: 'stage-table' },
      h(
        'tbody',
        {},
        chain.stages.map((cell) =>
          h(
            'tr',
            {},
            h('td', {}, cell.stage),
            h('td', {}, cell.cacheHit ? 'cache' : formatDuration(cell.durationMs)),
            h('td', {}, cell.score !== null ? `score ${cell.score.toFixed(2)}` : ''),
            h('td', { class: 'muted' }, cell.error ?? ''),
          ),
        ),
      ),
    ),
    chain.rerolls.length > 0 &&
      h(
        'p',
        { class: 'muted' },
        `Re-rolled ${chain.rerolls.length}×: ${chain.rerolls.map((reroll) => `${reroll.stage}: ${reroll.reason}`).join('; ')}`,
      ),
    h('h4', {}, 'Files'),
    h(
      'ul',
      { class: 'files' },
      detail.outputs.map((output) =>
        h(
          'li',
          {},
          h(
            'a',
            { href: paths.artifact(campaign, output.output.sha256), target: '_blank', rel: 'noopener' },
            output.fileName,
          ),
          h('span', { class: 'muted small' }, ` ${output.output.width}×${output.output.height}`),
          output.credentials && credentialsBadge(output.credentials),
        ),
      ),
    ),
    master &&
      h(
        'details',
        { class: 'raw-manifest' },
        h('summary', {}, 'Full manifest (JSON)'),
        h('pre', {}, JSON.stringify(master, null, 2)),
      ),
  );
}

/** Labels for a file's Content Credentials state. */
const credentialsLabels = {
  trusted: 'signed · trusted',
  valid: 'signed · untrusted signer',
  invalid: 'credentials INVALID',
  none: 'credentials missing',
};

/**
 * A badge with the file's Content Credentials: its state and signer, the C2PA actions on hover.
 * @param {import('../api-types.ts').CredentialsBadge} credentials
 */
function credentialsBadge(credentials) {
  return h(
    'span',
    {
      class: `credentials-badge ${credentials.state}`,
      title: [credentials.signer ?? 'no signer', ...credentials.actions].join('\n'),
    },
    `CR ${credentialsLabels[credentials.state]}${credentials.signer ? ` · ${credentials.signer}` : ''}`,
  );
}
