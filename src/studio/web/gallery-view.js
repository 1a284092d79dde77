// @ts-check
// The gallery of one run: its head (status, progress, run actions), a toolbar (filters, compare,
// export of the approved set), the grid of its images, keyboard review and the detail panel.
// This module loads the run, keeps it current from live events and composes those parts.
import { api, messageOf, paths } from './api.js';
import { h } from './dom.js';
import { galleryDetail } from './gallery-detail.js';
import { exportAction } from './gallery-export.js';
import { galleryGrid } from './gallery-grid.js';
import { galleryHead } from './gallery-head.js';
import { galleryReview } from './gallery-review.js';

/** @typedef {import('../api-types.ts').RunGalleryResponse} RunGalleryResponse */
/** @typedef {import('../api-types.ts').RunListEntry} RunListEntry */
/** @typedef {import('./app.js').StudioContext} StudioContext */

/**
 * The gallery's route: `#/c/<campaign>/r/<run>[/s/<shot>/<seedIndex>][?status=<filter>]`.
 * @typedef {{ campaign: string, run: string, query: URLSearchParams }
 *   & ({ shot: string, seedIndex: number } | { shot: null, seedIndex: null })} GalleryParams
 */

/**
 * @param {HTMLElement} root
 * @param {GalleryParams} initial
 * @param {StudioContext} context
 */
export function galleryView(root, initial, context) {
  const { campaign, run } = initial;
  /** @type {RunGalleryResponse | null} */
  let data = null;
  /** @type {RunListEntry[]} */
  let otherRuns = [];
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let reloadTimer;
  let disposed = false;

  const head = galleryHead({ campaign, run, context, reload: scheduleReload });
  const toolbar = h('div', { class: 'toolbar' });
  const grid = galleryGrid({
    campaign,
    filter: initial.query.get('status') ?? 'all',
    onFilter: render,
    onOpen: (chain) => detail.open(chain.shotId, chain.seedIndex),
    onRetry: () => head.resume('Retrying failed shots'),
  });
  const detail = galleryDetail({
    campaign,
    run,
    context,
    grid,
    stages: () => data?.stages,
    disposed: () => disposed,
    onReview: (chain, decision, comment) => keys.review(chain, decision, comment),
    onMove: (key) => keys.move(key),
  });
  const keys = galleryReview({ campaign, run, context, grid, detail, data: () => data, reload: load });
  root.append(head.element, toolbar, grid.element, keys.hints, detail.element);

  async function load() {
    try {
      data = await api(paths.run(campaign, run));
      if (disposed) return;
      render();
      const shown = detail.shown();
      if (shown) await detail.open(shown.shotId, shown.seedIndex, { keepFocus: true });
    } catch (error) {
      head.showError(messageOf(error));
    }
  }

  async function loadOtherRuns() {
    try {
      const description = await api(paths.campaign(campaign));
      otherRuns = description.runs.filter((entry) => entry.id !== run);
      if (data) renderToolbar();
    } catch {
      otherRuns = [];
    }
  }

  function scheduleReload(delay = 300) {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, delay);
  }

  function render() {
    if (!data) return;
    head.render(data);
    grid.render(data);
    renderToolbar();
  }

  /** Filter tabs (counted from the grid as rendered), the compare picker and export. */
  function renderToolbar() {
    if (!data) return;
    toolbar.replaceChildren(
      grid.filterTabs(),
      h(
        'div',
        { class: 'toolbar-end' },
        grid.sortPicker(render),
        comparePicker(),
        exportAction(campaign, run, data.counts.approved),
      ),
    );
  }

  /** Picking another run opens the compare page on the selected image. */
  function comparePicker() {
    return h(
      'select',
      {
        class: 'select',
        'aria-label': 'Compare the selected image with another run',
        disabled: otherRuns.length === 0,
        onchange: (event) => {
          const chain = grid.selected();
          const other = event.currentTarget.value;
          event.currentTarget.value = '';
          if (!chain || !other)
            return context.toast('Select an image first, then pick a run to compare with', 'warn');
          context.navigate(
            `#/c/${encodeURIComponent(campaign)}/compare/${encodeURIComponent(chain.shotId)}/${chain.seedIndex}?a=${encodeURIComponent(run)}&b=${encodeURIComponent(other)}`,
          );
        },
      },
      h('option', { value: '' }, otherRuns.length ? 'Compare selected with…' : 'No other runs to compare'),
      otherRuns.map((entry) => h('option', { value: entry.id }, `run ${entry.id} (${entry.status})`)),
    );
  }

  const unsubscribe = context.on((event) => {
    if (event.type === 'snapshot') return scheduleReload();
    if (event.campaignId !== campaign || event.runId !== run) return;
    if (event.type === 'run-state') return scheduleReload(50);
    if (event.type === 'review') return scheduleReload(150);
    if (event.type === 'run') {
      const kind = event.event.type;
      if (
        kind === 'job-finished' ||
        kind === 'chain-failed' ||
        kind === 'run-finished' ||
        kind === 'job-rejected'
      )
        scheduleReload();
      else if (kind === 'job-started' && data) {
        // Keep the progress line current between reloads.
        const active = context.active.get(campaign);
        if (active && active.runId === run) head.render(data);
      }
    }
  });
  load().then(() => {
    if (initial.shot !== null) detail.open(initial.shot, initial.seedIndex, { fromRoute: true });
  });
  loadOtherRuns();

  return {
    /** @param {GalleryParams} params */
    update(params) {
      const shown = detail.shown();
      if (params.shot === null) {
        if (shown) detail.close();
      } else if (!shown || shown.shotId !== params.shot || shown.seedIndex !== params.seedIndex) {
        detail.open(params.shot, params.seedIndex, { fromRoute: true });
      }
    },
    dispose() {
      disposed = true;
      unsubscribe();
      clearTimeout(reloadTimer);
      keys.dispose();
      detail.dispose();
    },
  };
}
