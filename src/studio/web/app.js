// The studio's shell: routing, the reviewer's name, live events and toasts. Each page is a
// module exporting a function that renders into the main element and returns a disposer.
import { briefsView } from './briefs-view.js';
import { compareView } from './compare-view.js';
import { h } from './dom.js';
import { galleryView } from './gallery-view.js';
import { metricsView } from './metrics-view.js';

const view = document.getElementById('view');
const reviewerInput = document.getElementById('reviewer');
const toasts = document.getElementById('toasts');
const connection = document.getElementById('connection');
const listeners = new Set();

reviewerInput.value = localStorage.getItem('atelier.reviewer') ?? '';
reviewerInput.addEventListener('input', () =>
  localStorage.setItem('atelier.reviewer', reviewerInput.value.trim()),
);
reviewerInput.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' || event.key === 'Escape') reviewerInput.blur();
});

/** What every page gets: the reviewer's name, toasts, live events and navigation. */
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
    const { active } = JSON.parse(message.data);
    context.active = new Map(active.map((run) => [run.campaignId, run]));
    for (const listener of listeners) listener({ type: 'snapshot', active });
  });
  events.addEventListener('studio', (message) => {
    const event = JSON.parse(message.data);
    trackActive(event);
    for (const listener of listeners) listener(event);
  });
}

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

const routes = [
  { pattern: /^#?\/?$/, page: 'briefs', render: (root) => briefsView(root, context) },
  { pattern: /^#\/metrics$/, page: 'metrics', render: (root) => metricsView(root, context) },
  {
    pattern: /^#\/c\/([^/]+)\/r\/([^/?]+)(?:\/s\/([^/?]+)\/(\d+))?(?:\?(.*))?$/,
    page: 'gallery',
    key: (match) => `gallery:${match[1]}:${match[2]}`,
    params: (match) => ({
      campaign: decodeURIComponent(match[1]),
      run: decodeURIComponent(match[2]),
      shot: match[3] ? decodeURIComponent(match[3]) : null,
      seedIndex: match[4] ? Number(match[4]) : null,
      query: new URLSearchParams(match[5] ?? ''),
    }),
    render: (root, params) => galleryView(root, params, context),
  },
  {
    pattern: /^#\/c\/([^/]+)\/compare\/([^/?]+)\/(\d+)(?:\?(.*))?$/,
    page: 'compare',
    params: (match) => ({
      campaign: decodeURIComponent(match[1]),
      shot: decodeURIComponent(match[2]),
      seedIndex: Number(match[3]),
      query: new URLSearchParams(match[4] ?? ''),
    }),
    render: (root, params) => compareView(root, params, context),
  },
];

let current = null;

function route() {
  const hash = location.hash || '#/';
  for (const candidate of routes) {
    const match = candidate.pattern.exec(hash);
    if (!match) continue;
    const params = candidate.params?.(match) ?? {};
    const key = candidate.key?.(match) ?? hash;
    for (const link of document.querySelectorAll('[data-nav]'))
      link.classList.toggle(
        'active',
        link.dataset.nav === candidate.page ||
          (candidate.page !== 'metrics' && link.dataset.nav === 'briefs'),
      );
    // Same page, new detail (e.g. opening one image of the gallery): let the page update itself.
    if (current && current.key === key && current.instance.update) {
      current.instance.update(params);
      return;
    }
    current?.instance.dispose?.();
    view.replaceChildren();
    current = { key, instance: candidate.render(view, params) ?? {} };
    return;
  }
  view.replaceChildren(
    h('div', { class: 'empty' }, h('h2', {}, 'Nothing here'), h('a', { href: '#/' }, 'Back to briefs')),
  );
}

window.addEventListener('hashchange', route);
connect();
route();
