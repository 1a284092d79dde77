// @ts-check
// Keyboard review in the gallery: arrows move the selection, A approves, R rejects, C comments,
// Enter opens the image, Esc closes it. Reviews are signed with the reviewer's name.
import { api, messageOf, paths } from './api.js';
import { h, isTyping } from './dom.js';
import { chainId } from './gallery-grid.js';

/** @typedef {import('../api-types.ts').GalleryChain} GalleryChain */
/** @typedef {import('../api-types.ts').ReviewDecision} ReviewDecision */
/** @typedef {import('../api-types.ts').RunGalleryResponse} RunGalleryResponse */
/** @typedef {import('./app.js').StudioContext} StudioContext */
/** @typedef {import('./gallery-grid.js').ArrowKey} ArrowKey */

/** @type {Record<ReviewDecision, string>} */
const reviewedLabels = { approve: 'Approved', reject: 'Rejected', comment: 'Comment added to' };

/**
 * Starts listening to the keyboard; `dispose` stops.
 * @param {object} options
 * @param {string} options.campaign
 * @param {string} options.run
 * @param {StudioContext} options.context
 * @param {ReturnType<typeof import('./gallery-grid.js').galleryGrid>} options.grid
 * @param {ReturnType<typeof import('./gallery-detail.js').galleryDetail>} options.detail
 * @param {() => RunGalleryResponse | null} options.data  the gallery as loaded last
 * @param {() => Promise<void>} options.reload  reloads the gallery now
 */
export function galleryReview({ campaign, run, context, grid, detail, data, reload }) {
  const hints = h(
    'footer',
    { class: 'key-hints' },
    hint('← → ↑ ↓', 'move'),
    hint('A', 'approve'),
    hint('R', 'reject'),
    hint('C', 'comment'),
    hint('Enter', 'open'),
    hint('Esc', 'close'),
  );

  /**
   * Records a review of a finished image; false when it was not saved (the toast says why).
   * @param {GalleryChain} chain
   * @param {ReviewDecision} decision
   * @param {string} [comment]
   */
  async function review(chain, decision, comment) {
    if (chain.status !== 'succeeded' || !chain.image) {
      context.toast('Only finished images can be reviewed', 'warn');
      return false;
    }
    const reviewer = context.reviewer();
    if (!reviewer) return false;
    try {
      await api(paths.reviews(campaign, run), {
        method: 'POST',
        body: {
          shotId: chain.shotId,
          seedIndex: chain.seedIndex,
          decision,
          reviewer,
          sha256: chain.image.sha256,
          ...(comment ? { comment } : {}),
        },
      });
    } catch (error) {
      context.toast(`Not saved: ${messageOf(error)}`, 'bad');
      return false;
    }
    context.toast(
      `${reviewedLabels[decision]} ${chain.shotId} · seed ${chain.seed}`,
      decision === 'reject' ? 'bad' : 'good',
    );
    await reload();
    return true;
  }

  /**
   * Moves the selection; an open detail panel follows it.
   * @param {ArrowKey} key
   */
  function move(key) {
    const next = grid.neighbour(key);
    if (!next) return;
    grid.select(chainId(next));
    if (detail.shown()) detail.open(next.shotId, next.seedIndex);
  }

  /** @param {KeyboardEvent} event */
  function onKey(event) {
    const gallery = data();
    if (!gallery || event.metaKey || event.ctrlKey || event.altKey) return;
    if (isTyping(event)) return;
    const shown = detail.shown();
    const chain = shown
      ? gallery.chains.find(
          (candidate) => candidate.shotId === shown.shotId && candidate.seedIndex === shown.seedIndex,
        )
      : grid.selected();
    switch (event.key) {
      case 'ArrowLeft':
      case 'ArrowRight':
      case 'ArrowUp':
      case 'ArrowDown':
        event.preventDefault();
        move(event.key);
        break;
      case 'a':
      case 'A':
        if (chain) review(chain, 'approve');
        break;
      case 'r':
      case 'R':
        if (chain) review(chain, 'reject');
        break;
      case 'c':
      case 'C':
        event.preventDefault();
        if (!chain) break;
        if (shown) detail.focusComment();
        else detail.open(chain.shotId, chain.seedIndex, { focusComment: true });
        break;
      case 'Enter':
        if (chain && !shown) detail.open(chain.shotId, chain.seedIndex);
        break;
      case 'Escape':
        if (shown) detail.close();
        break;
      default:
    }
  }

  document.addEventListener('keydown', onKey);
  return {
    hints,
    review,
    move,
    dispose: () => document.removeEventListener('keydown', onKey),
  };
}

/**
 * @param {string} key
 * @param {string} label
 */
function hint(key, label) {
  return h('span', { class: 'hint' }, h('kbd', {}, key), label);
}
