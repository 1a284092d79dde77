// @ts-check
// The studio's shell: routing, the reviewer's name, live events and toasts. Each page is a
// module exporting a function that renders into the main element and returns a disposer.
import { briefsView } from './briefs-view.js';
import { compareView } from './compare-view.js';
import { h } from './dom.js';
import { galleryView } from './gallery-view.js';
import { metricsView } from './metrics-view.js';

/** @typedef {import('../api-types.ts').ActiveRun} ActiveRun */
/** @typedef {import('../api-types.ts').EventSnapshot} EventSnapshot */
/** @typedef {import('../api-types.ts').StudioEvent} StudioEvent */

/**
 * A run in progress as the pages see it: from the server's snapshot, or followed from run
 * events since (`current` is the job last started).
 * @typedef {Omit<ActiveRun, 'resumed' | 'startedAt'> & { current?: string }} LiveRun
 */

/** @typedef {StudioEvent | { type: 'snapshot', active: ActiveRun[] }} StudioMessage */

/** @typedef {'info' | 'good' | 'warn' | 'bad'} ToastKind */

/**
 * What every page gets: the reviewer's name, toasts, live events and navigation.
 * @typedef {object} StudioContext
 * @property {() => string} reviewer  the reviewer's name; empty (and a prompt to type it) when unset
 * @property {(message: string, kind?: ToastKind) => void} toast
 * @property {(listener: (message: StudioMessage) => void) => () => void} on
 *   subscribes to studio events (run progress, run state, reviews); returns the unsubscriber
 * @property {(hash: string) => void} navigate
 * @property {Map<string, LiveRun>} active  runs in progress by campaign id
 */

/**
 * An element of index.html the app cannot run without.
 * @template {HTMLElement} E
 * @param {string} id
 * @param {new () => E} type
 * @returns {E}
 */
function required(id, type) {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`index.html has no #${id}`);
  return element;
}

const view = required('view', HTMLElement);
const reviewerInput = required('reviewer', HTMLInputElement);
const toasts = required('toasts', HTMLElement);
const connection = required('connection', HTMLElement);
/** @type {Set<(message: StudioMessage) => void>} */
const listeners = new Set();

reviewerInput.value = localStorage.getItem('atelier.reviewer') ?? '';
reviewerInput.addEventListener('input', () =>
  localStorage.setItem('atelier.reviewer', reviewerInput.value.trim()),
);
reviewerInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === 'Escape') reviewerInput.blur();
});

/** @type {StudioContext} */
const context = {
  reviewer() {
    const name = reviewerInput.value.trim();
    if (!name) {
      context.toast('Type your name under Reviewer (top right) first — reviews are signed.', 'warn');
      reviewerInput.focus();
    }
    return name;
  },
  toast(message, kind = 'info') {
    const toast = h('div', { class: `toast toast-${kind}` }, message);
    toasts.append(toast);
    setTimeout(() => toast.classList.add('toast-leaving'), 3800);
    setTimeout(() => toast.remove(), 4300);
  },
  /** Subscribes to studio events (run progress, run state, reviews); returns the unsubscriber. */
  on(listener) {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  navigate(hash) {
    if (location.hash === hash) route();
    else location.hash = hash;
  },
  active: new Map(),
};

function connect() {
  const events = new EventSource('/api/events');
  events.addEventListener('open', () => connection.classList.remove('connection-lost'));
  events.addEventListener('error', () => connection.classList.add('connection-lost'));
  events.addEventListener('snapshot', (message) => {
    /** @type {EventSnapshot} */
    const { active } = JSON.parse(message.data);
    context.active = new Map(active.map((run) => [run.campaignId, run]));
    for (const listener of listeners) listener({ type: 'snapshot', active });
  });
  events.addEventListener('studio', (message) => {
    /** @type {StudioEvent} */
    const event = JSON.parse(message.data);
    trackActive(event);
    for (const listener of listeners) listener(event);
  });
}

/** @param {StudioEvent} event */
function trackActive(event) {
  if (event.type === 'run' && event.event.type === 'run-started') {
    context.active.set(event.campaignId, {
      campaignId: event.campaignId,
      runId: event.runId,
      state: 'running',
      totalJobs: event.event.totalJobs,
      finishedJobs: 0,
      failedChains: 0,
      stages: event.event.stages,
    });
  } else if (event.type === 'run') {
    const active = context.active.get(event.campaignId);
    if (!active) return;
    if (event.event.type === 'job-finished') active.finishedJobs++;
    if (event.event.type === 'chain-failed') active.failedChains++;
    if (event.event.type === 'job-started') active.current = `${event.event.shotId} · ${event.event.stage}`;
  } else if (event.type === 'run-state') {
    if (event.state === 'stopping') {
      const active = context.active.get(event.campaignId);
      if (active) active.state = 'stopping';
    } else context.active.delete(event.campaignId);
  }
}

/**
 * A page of the studio, chosen by the location hash. Routes with the same `key` (by default
 * the hash) are the same page: it gets `update(match)` instead of being rendered again.
 * @typedef {object} Route
 * @property {RegExp} pattern
 * @property {'briefs' | 'metrics' | 'gallery' | 'compare'} page  lights up its nav link
 * @property {(match: RegExpExecArray) => string} [key]
 * @property {(root: HTMLElement, match: RegExpExecArray) => Page} render
 */

/** @typedef {{ update?: (match: RegExpExecArray) => void, dispose?: () => void }} Page */

/**
 * A decoded route segment (capture groups that always match are never undefined).
 * @param {string | undefined} segment
 */
const decoded = (segment) => decodeURIComponent(segment ?? '');

/**
 * @param {RegExpExecArray} match
 * @returns {import('./gallery-view.js').GalleryParams}
 */
const galleryParams = (match) => ({
  campaign: decoded(match[1]),
  run: decoded(match[2]),
  // The shot and its seed index come together or not at all.
  ...(match[3] && match[4]
    ? { shot: decoded(match[3]), seedIndex: Number(match[4]) }
    : { shot: null, seedIndex: null }),
  query: new URLSearchParams(match[5] ?? ''),
});

/** @type {Route[]} */
const routes = [
  { pattern: /^#?\/?$/, page: 'briefs', render: (root) => briefsView(root, context) },
  { pattern: /^#\/metrics$/, page: 'metrics', render: (root) => metricsView(root, context) },
  {
    pattern: /^#\/c\/([^/]+)\/r\/([^/?]+)(?:\/s\/([^/?]+)\/(\d+))?(?:\?(.*))?$/,
    page: 'gallery',
    key: (match) => `gallery:${match[1]}:${match[2]}`,
    render: (root, match) => {
      const gallery = galleryView(root, galleryParams(match), context);
      return { update: (next) => gallery.update(galleryParams(next)), dispose: gallery.dispose };
    },
  },
  {
    pattern: /^#\/c\/([^/]+)\/compare\/([^/?]+)\/(\d+)(?:\?(.*))?$/,
    page: 'compare',
    render: (root, match) =>
      compareView(
        root,
        {
          campaign: decoded(match[1]),
          shot: decoded(match[2]),
          seedIndex: Number(match[3]),
          query: new URLSearchParams(match[4] ?? ''),
        },
        context,
      ),
  },
];

/** @type {{ key: string, instance: Page } | null} */
let current = null;

function route() {
  const hash = location.hash || '#/';
  for (const candidate of routes) {
    const match = candidate.pattern.exec(hash);
    if (!match) continue;
    const key = candidate.key?.(match) ?? hash;
    for (const link of /** @type {NodeListOf<HTMLElement>} */ (document.querySelectorAll('[data-nav]')))
      link.classList.toggle(
        'active',
        link.dataset.nav === candidate.page ||
          (candidate.page !== 'metrics' && link.dataset.nav === 'briefs'),
      );
    // Same page, new detail (e.g. opening one image of the gallery): let the page update itself.
    if (current && current.key === key && current.instance.update) {
      current.instance.update(match);
      return;
    }
    current?.instance.dispose?.();
    view.replaceChildren();
    current = { key, instance: candidate.render(view, match) ?? {} };
    return;
  }
  view.replaceChildren(
    h('div', { class: 'empty' }, h('h2', {}, 'Nothing here'), h('a', { href: '#/' }, 'Back to briefs')),
  );
}

window.addEventListener('hashchange', route);
connect();
route();
