// @ts-check
// The gallery's grid: one card per image with its stage strip, the status filters, and which
// card is selected (what the keyboard and the compare picker act on).
import { adherenceChip, adherenceMark } from './adherence-view.js';
import { paths } from './api.js';
import { h, s } from './dom.js';
import { plural } from './format.js';
import { stageStrip } from './stage-strip.js';

/** @typedef {import('../api-types.ts').ChainStatus} ChainStatus */
/** @typedef {import('../api-types.ts').GalleryChain} GalleryChain */
/** @typedef {import('../api-types.ts').RunGalleryResponse} RunGalleryResponse */
/** @typedef {'ArrowLeft' | 'ArrowRight' | 'ArrowUp' | 'ArrowDown'} ArrowKey */

/** @type {{ id: string, label: string, test: (chain: GalleryChain) => boolean, judged?: boolean }[]} */
export const filters = [
  { id: 'all', label: 'All', test: () => true },
  { id: 'review', label: 'To review', test: (chain) => chain.status === 'succeeded' && !chain.decision },
  { id: 'approved', label: 'Approved', test: (chain) => chain.decision?.decision === 'approve' },
  { id: 'rejected', label: 'Rejected', test: (chain) => chain.decision?.decision === 'reject' },
  { id: 'failed', label: 'Failed', test: (chain) => chain.status === 'failed' },
  {
    id: 'progress',
    label: 'In progress',
    test: (chain) => ['pending', 'running', 'stopped'].includes(chain.status),
  },
  // Shown only when the judge scored some image of the run.
  {
    id: 'low-adherence',
    label: `Adherence < ${Math.round(adherenceMark * 100)}%`,
    test: (chain) => chain.adherence !== null && chain.adherence.score < adherenceMark,
    judged: true,
  },
];

/** Orders of the grid: as planned, or by the judge's adherence (unscored images last). */
export const sorts = [
  { id: 'plan', label: 'Gallery order' },
  { id: 'adherence-low', label: 'Adherence, lowest first' },
  { id: 'adherence-high', label: 'Adherence, highest first' },
];

/** @type {Partial<Record<ChainStatus, string>>} */
const statusLabels = { pending: 'Waiting', running: 'Rendering…', stopped: 'Stopped', failed: 'Failed' };

/**
 * A chain's id in the grid: `shot#seedIndex`.
 * @param {{ shotId: string, seedIndex: number }} chain
 */
export const chainId = (chain) => `${chain.shotId}#${chain.seedIndex}`;

/**
 * @param {object} options
 * @param {string} options.campaign
 * @param {string} options.filter  the filter shown first (`?status=` of the route)
 * @param {() => void} options.onFilter  a filter was picked (counts and header follow it)
 * @param {(chain: GalleryChain) => void} options.onOpen  double-click on a card
 * @param {() => void} options.onRetry  the Retry button of a failed card
 */
export function galleryGrid({ campaign, filter: initialFilter, onFilter, onOpen, onRetry }) {
  const element = h('div', { class: 'grid', role: 'listbox', 'aria-label': 'Images' });
  let filter = initialFilter;
  let sort = 'plan';
  /** @type {string | null} */
  let selectedId = null;
  /** @type {RunGalleryResponse | null} */
  let data = null;
  /** @type {Map<string, { element: HTMLElement, signature: string }>} chain id -> card */
  const cards = new Map();

  /** The chains the current filter lets through, in gallery order. */
  function visible() {
    const test = filters.find((entry) => entry.id === filter)?.test ?? (() => true);
    const chains = data ? data.chains.filter(test) : [];
    if (sort === 'plan') return chains;
    const direction = sort === 'adherence-low' ? 1 : -1;
    // Stable: equal scores keep gallery order; images the judge did not score go last.
    return [...chains].sort((a, b) => {
      if (a.adherence === null || b.adherence === null)
        return (a.adherence === null ? 1 : 0) - (b.adherence === null ? 1 : 0);
      return direction * (a.adherence.score - b.adherence.score);
    });
  }

  /**
   * Shows the gallery's chains; cards whose chain did not change are kept as they are. The
   * filter tabs count what was rendered last.
   * @param {RunGalleryResponse} next
   */
  function render(next) {
    data = next;
    const chains = visible();
    const first = chains[0];
    if (!first) {
      element.replaceChildren(
        h(
          'div',
          { class: 'empty' },
          filter === 'all' ? 'No images in this run yet.' : 'Nothing matches this filter.',
        ),
      );
      return;
    }
    if (!chains.some((chain) => chainId(chain) === selectedId)) selectedId = chainId(first);
    const elements = chains.map((chain) => {
      const id = chainId(chain);
      const signature = JSON.stringify([
        chain.status,
        chain.image?.sha256,
        chain.decision?.id,
        chain.comments,
        chain.stages.map((cell) => cell.status),
        chain.reason,
        chain.adherence?.score,
      ]);
      const cached = cards.get(id);
      if (cached && cached.signature === signature) return cached.element;
      const article = card(next, chain);
      cards.set(id, { element: article, signature });
      return article;
    });
    element.replaceChildren(...elements);
    markSelected(false);
  }

  /**
   * @param {RunGalleryResponse} data
   * @param {GalleryChain} chain
   */
  function card(data, chain) {
    const decision = chain.decision?.decision;
    const badge =
      decision === 'approve'
        ? h('span', { class: 'badge badge-approve' }, '✓ Approved')
        : decision === 'reject'
          ? h('span', { class: 'badge badge-reject' }, '✕ Rejected')
          : chain.status !== 'succeeded' &&
            h('span', { class: `badge badge-${chain.status}` }, statusLabels[chain.status] ?? chain.status);
    return h(
      'article',
      {
        class: `shot-card status-${chain.status}${decision ? ` decided-${decision}` : ''}`,
        role: 'option',
        tabindex: '-1',
        dataset: {
          shot: chain.shotId,
          seedIndex: chain.seedIndex,
          status: chain.status,
          decision: decision ?? 'none',
        },
        onclick: () => select(chainId(chain)),
        ondblclick: () => onOpen(chain),
      },
      h(
        'div',
        { class: 'shot-image' },
        chain.image
          ? h('img', {
              class: 'shot-img',
              src: paths.artifact(campaign, chain.image.sha256, 640),
              alt: `${chain.shotId}, seed ${chain.seed}`,
              loading: 'lazy',
              decoding: 'async',
            })
          : h('div', { class: 'shot-placeholder' }, statusLabels[chain.status] ?? chain.status),
        badge,
        chain.comments > 0 &&
          h(
            'span',
            { class: 'badge badge-comments', title: plural(chain.comments, 'comment') },
            s('svg', { viewBox: '0 0 24 24', 'aria-hidden': 'true' }, s('path', { d: 'M4 5h16v11H9l-5 4z' })),
            String(chain.comments),
          ),
      ),
      h(
        'div',
        { class: 'shot-meta' },
        h(
          'div',
          { class: 'shot-title' },
          h('strong', {}, chain.shotId),
          h('span', { class: 'muted' }, `seed ${chain.seed}`),
        ),
        chain.headline && h('div', { class: 'headline' }, chain.headline),
        adherenceChip(chain.adherence),
      ),
      stageStrip(campaign, data.stages, chain.stages),
      chain.status === 'failed' &&
        h(
          'div',
          { class: 'failure' },
          h('p', {}, chain.reason),
          data.current &&
            h(
              'button',
              {
                class: 'button button-small',
                onclick: (event) => {
                  event.stopPropagation();
                  onRetry();
                },
              },
              'Retry',
            ),
        ),
    );
  }

  /** The filter tabs with their counts (the adherence one when the judge scored something). */
  function filterTabs() {
    const chains = data?.chains ?? [];
    const judged = chains.some((chain) => chain.adherence !== null);
    return h(
      'div',
      { class: 'filters', role: 'tablist' },
      filters
        .filter((entry) => judged || !entry.judged)
        .map((entry) =>
          h(
            'button',
            {
              class: `filter${entry.id === filter ? ' active' : ''}`,
              role: 'tab',
              'aria-selected': String(entry.id === filter),
              dataset: { filter: entry.id },
              onclick: () => {
                filter = entry.id;
                onFilter();
              },
            },
            entry.label,
            h('span', { class: 'count' }, String(chains.filter(entry.test).length)),
          ),
        ),
    );
  }

  /**
   * The sort picker, when the judge scored some image of the run.
   * @param {() => void} onSort  the order changed (the grid is drawn again)
   */
  function sortPicker(onSort) {
    if (!data?.chains.some((chain) => chain.adherence !== null)) return null;
    return h(
      'select',
      {
        class: 'select',
        'aria-label': 'Order of the images',
        onchange: (event) => {
          sort = /** @type {HTMLSelectElement} */ (event.currentTarget).value;
          onSort();
        },
      },
      sorts.map((entry) => h('option', { value: entry.id, selected: entry.id === sort }, entry.label)),
    );
  }

  /**
   * @param {string} id  a chain id (`shot#seedIndex`)
   * @param {boolean} [scroll]  bring the card into view
   */
  function select(id, scroll = true) {
    selectedId = id;
    markSelected(scroll);
  }

  /** @param {boolean} scroll */
  function markSelected(scroll) {
    for (const [id, { element }] of cards) {
      const selected = id === selectedId;
      element.classList.toggle('selected', selected);
      element.setAttribute('aria-selected', String(selected));
      if (selected && scroll && element.isConnected)
        element.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
    }
  }

  /** The selected chain, if any. */
  function selected() {
    return data?.chains.find((chain) => chainId(chain) === selectedId);
  }

  /**
   * The visible chain an arrow key leads to from the selected one: up and down move by a row
   * of the grid as laid out now.
   * @param {ArrowKey} key
   * @returns {GalleryChain | undefined}
   */
  function neighbour(key) {
    const chains = visible();
    if (chains.length === 0) return undefined;
    const index = Math.max(
      0,
      chains.findIndex((chain) => chainId(chain) === selectedId),
    );
    const elements = /** @type {HTMLElement[]} */ ([...element.querySelectorAll('.shot-card')]);
    const top = elements[0]?.offsetTop;
    const columns = Math.max(1, elements.filter((item) => item.offsetTop === top).length);
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns }[key];
    return chains[Math.min(chains.length - 1, Math.max(0, index + step))];
  }

  return { element, render, filterTabs, sortPicker, select, markSelected, selected, neighbour };
}
