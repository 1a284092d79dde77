// @ts-check
// The gallery's head: where the run stands (status, images done, live progress) and what can
// be done with it (stop it, resume it, retry its failed images).
import { api, messageOf, paths } from './api.js';
import { h } from './dom.js';
import { formatAgo, formatDuration, plural } from './format.js';

/** @typedef {import('../api-types.ts').RunGalleryResponse} RunGalleryResponse */
/** @typedef {import('./app.js').LiveRun} LiveRun */
/** @typedef {import('./app.js').StudioContext} StudioContext */

/**
 * @param {object} options
 * @param {string} options.campaign
 * @param {string} options.run
 * @param {StudioContext} options.context
 * @param {(delay: number) => void} options.reload  reloads the gallery after `delay` ms
 */
export function galleryHead({ campaign, run, context, reload }) {
  const element = h('section', { class: 'page-head gallery-head' });

  /** @param {RunGalleryResponse} data */
  function render(data) {
    /** @type {LiveRun | undefined} */
    const active = data.active ?? context.active.get(campaign);
    const live = active && active.runId === run ? active : undefined;
    const status = live
      ? live.state === 'stopping'
        ? 'stopping'
        : 'running'
      : data.run.status === 'running'
        ? 'stopped'
        : data.run.status;
    const summary = data.run.summary;
    const done = data.chains.filter((chain) => chain.status === 'succeeded').length;
    element.replaceChildren(
      h(
        'div',
        {},
        h(
          'nav',
          { class: 'crumbs' },
          h('a', { href: '#/' }, 'Briefs'),
          ' / ',
          h('span', {}, data.campaign.name),
        ),
        h(
          'h1',
          {},
          `Run ${run}`,
          h('span', { class: `pill pill-${status}`, dataset: { runStatus: status } }, status),
        ),
        h(
          'p',
          { class: 'muted' },
          `${done}/${data.chains.length} images · ${data.stages.join(' → ')} · started ${formatAgo(data.run.createdAt)}`,
          summary && ` · ${formatDuration(summary.wallMs)}`,
          summary && summary.cacheHits > 0 && ` · ${summary.cacheHits} cache hits`,
          !data.current && ' · the config has changed since this run',
        ),
      ),
      h(
        'div',
        { class: 'head-actions' },
        live && live.state !== 'stopping' && h('button', { class: 'button', onclick: stop }, 'Stop'),
        !live &&
          data.current &&
          (status === 'stopped' || status === 'interrupted') &&
          h('button', { class: 'button button-primary', onclick: () => resume('Resuming') }, 'Resume'),
        !live &&
          data.current &&
          data.counts.failed > 0 &&
          h(
            'button',
            { class: 'button', onclick: () => resume('Retrying failed shots') },
            `Retry ${plural(data.counts.failed, 'failed image')}`,
          ),
      ),
    );
    if (live) element.append(progressBar(live));
  }

  /**
   * Shows why the gallery could not load, in place of the head.
   * @param {string} message
   */
  function showError(message) {
    element.replaceChildren(
      h('div', { class: 'empty error' }, message, ' ', h('a', { href: '#/' }, 'Back to briefs')),
    );
  }

  /**
   * Resumes the run (which retries its failed images too).
   * @param {string} label  what the toast calls it
   */
  async function resume(label) {
    try {
      await api(paths.resume(campaign, run), { method: 'POST' });
      context.toast(`${label}: run ${run}`, 'good');
      reload(100);
    } catch (error) {
      context.toast(`Could not resume: ${messageOf(error)}`, 'bad');
    }
  }

  async function stop() {
    try {
      await api(paths.stop(campaign, run), { method: 'POST' });
      context.toast('Stopping after the images in progress', 'info');
    } catch (error) {
      context.toast(messageOf(error), 'bad');
    }
  }

  return { element, render, showError, resume };
}

/** @param {LiveRun} active */
function progressBar(active) {
  const bar = h('div', { class: 'progress-bar' });
  bar.style.setProperty(
    'width',
    `${active.totalJobs ? Math.round((active.finishedJobs / active.totalJobs) * 100) : 0}%`,
  );
  return h(
    'div',
    { class: 'progress gallery-progress' },
    h('div', { class: 'progress-track' }, bar),
    h(
      'div',
      { class: 'progress-label' },
      `${active.finishedJobs}/${active.totalJobs} jobs`,
      active.current && h('span', { class: 'muted' }, active.current),
    ),
  );
}
