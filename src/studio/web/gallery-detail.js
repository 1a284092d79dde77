// @ts-check
// The gallery's detail panel: one image in full over the grid (`shot-detail.js` draws it),
// opened from the grid, the keyboard or the route, and kept in the location hash.
import { api, messageOf, paths } from './api.js';
import { h } from './dom.js';
import { shotDetail } from './shot-detail.js';

/** @typedef {import('../api-types.ts').GalleryChain} GalleryChain */
/** @typedef {import('../api-types.ts').ReviewDecision} ReviewDecision */
/** @typedef {import('./app.js').StudioContext} StudioContext */
/** @typedef {import('./gallery-grid.js').ArrowKey} ArrowKey */

/**
 * @typedef {object} OpenOptions
 * @property {boolean} [focusComment]  put the caret in the comment box
 * @property {boolean} [keepFocus]  keep the caret in the comment box if it is there (a reload)
 * @property {boolean} [fromRoute]  the hash already says so; leave it alone
 */

/**
 * @param {object} options
 * @param {string} options.campaign
 * @param {string} options.run
 * @param {StudioContext} options.context
 * @param {ReturnType<typeof import('./gallery-grid.js').galleryGrid>} options.grid
 * @param {() => string[] | undefined} options.stages  the run's stage names, once loaded
 * @param {() => boolean} options.disposed  whether the gallery was left meanwhile
 * @param {(chain: GalleryChain, decision: ReviewDecision, comment?: string) => Promise<boolean>} options.onReview
 * @param {(key: ArrowKey) => void} options.onMove  previous and next buttons
 */
export function galleryDetail({ campaign, run, context, grid, stages, disposed, onReview, onMove }) {
  const element = h('div', { class: 'detail-layer' });
  /** @type {{ shotId: string, seedIndex: number, comment: HTMLTextAreaElement } | null} */
  let shown = null;
  // Bumped by every open and close, so an answer that arrives after a newer open or a close
  // (a reload's refresh racing Esc, fast arrows) is dropped instead of showing a stale panel.
  let generation = 0;

  /**
   * Opens (or refreshes) the panel on one image and selects its card.
   * @param {string} shotId
   * @param {number} seedIndex
   * @param {OpenOptions} [options]
   */
  async function open(shotId, seedIndex, options = {}) {
    const ticket = ++generation;
    const target = `#/c/${encodeURIComponent(campaign)}/r/${encodeURIComponent(run)}/s/${encodeURIComponent(shotId)}/${seedIndex}`;
    if (location.hash !== target && !options.fromRoute) history.replaceState(null, '', target);
    grid.select(`${shotId}#${seedIndex}`, false);
    const focusComment = options.focusComment ?? false;
    const hadFocus = shown?.comment && document.activeElement === shown.comment;
    let response;
    try {
      response = await api(paths.chain(campaign, run, shotId, seedIndex));
    } catch (error) {
      context.toast(messageOf(error), 'bad');
      return;
    }
    if (disposed() || ticket !== generation) return;
    const { chain } = response;
    const rendered = shotDetail({
      campaign,
      detail: response,
      stages: stages() ?? chain.stages.map((cell) => cell.stage),
      focusComment: focusComment || Boolean(options.keepFocus && hadFocus),
      onReview: (decision, comment) => onReview(chain, decision, comment),
      onClose: close,
      onPrevious: () => onMove('ArrowLeft'),
      onNext: () => onMove('ArrowRight'),
    });
    shown = { shotId, seedIndex, comment: rendered.comment };
    element.replaceChildren(rendered.element);
    document.body.classList.add('has-detail');
  }

  /** Closes the panel and goes back to the grid, its card still selected. */
  function close() {
    generation++;
    shown = null;
    element.replaceChildren();
    document.body.classList.remove('has-detail');
    history.replaceState(null, '', `#/c/${encodeURIComponent(campaign)}/r/${encodeURIComponent(run)}`);
    grid.markSelected(true);
  }

  return {
    element,
    open,
    close,
    /** The image the panel shows, or null when it is closed. */
    shown: () => (shown ? { shotId: shown.shotId, seedIndex: shown.seedIndex } : null),
    focusComment: () => shown?.comment.focus(),
    dispose: () => document.body.classList.remove('has-detail'),
  };
}
