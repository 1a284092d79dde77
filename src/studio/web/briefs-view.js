// @ts-check
// Briefs: every campaign config in the workspace, its shots, a one-click Run, live progress
// and its runs (open the gallery, resume a stopped run, retry failed shots).
import { ApiError, api, messageOf, paths } from './api.js';
import { h } from './dom.js';
import { formatAgo, formatDuration, plural } from './format.js';

/** @typedef {import('../api-types.ts').CampaignDescription} CampaignDescription */
/** @typedef {import('./app.js').LiveRun} LiveRun */
/** @typedef {import('./app.js').StudioContext} StudioContext */

/**
 * @param {HTMLElement} root
 * @param {StudioContext} context
 */
export function briefsView(root, context) {
  /** @type {CampaignDescription[]} */
  let campaigns = [];
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let reloadTimer;
  const list = h('div', { class: 'briefs' });
  root.append(
    h(
      'section',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', {}, 'Briefs'),
        h(
          'p',
          { class: 'muted' },
          'Campaigns in this workspace. Run one with a click, then review it in its gallery.',
        ),
      ),
    ),
    list,
  );

  async function load() {
    try {
      ({ campaigns } = await api(paths.campaigns()));
      render();
    } catch (error) {
      list.replaceChildren(h('div', { class: 'empty error' }, messageOf(error)));
    }
  }

  function scheduleReload() {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(load, 250);
  }

  function render() {
    if (campaigns.length === 0) {
      list.replaceChildren(
        h(
          'div',
          { class: 'empty' },
          h('h2', {}, 'No briefs yet'),
          h('p', {}, 'Put an atelier.yaml in this folder (or one or two levels below it) and reload.'),
        ),
      );
      return;
    }
    list.replaceChildren(...campaigns.map(card));
  }

  /** @param {CampaignDescription} campaign */
  function card(campaign) {
    /** @type {LiveRun | undefined} */
    const active = context.active.get(campaign.id) ?? campaign.active ?? undefined;
    const seeds = campaign.shots.reduce((sum, shot) => sum + shot.seeds, 0);
    const resumable = campaign.runs.find(
      (run) =>
        run.current && (run.status === 'interrupted' || run.status === 'running') && active?.runId !== run.id,
    );
    return h(
      'article',
      { class: 'brief card', dataset: { campaign: campaign.id } },
      h(
        'header',
        { class: 'brief-head' },
        h('div', {}, h('h2', {}, campaign.name), h('div', { class: 'muted mono' }, campaign.relativePath)),
        h(
          'div',
          { class: 'brief-actions' },
          resumable &&
            h(
              'button',
              { class: 'button', onclick: () => resume(campaign, resumable.id) },
              'Resume stopped run',
            ),
          h(
            'button',
            {
              class: 'button button-primary',
              disabled: Boolean(campaign.error) || Boolean(active),
              title: campaign.error
                ? 'Fix the config first'
                : 'Render every shot (cached results are reused)',
              onclick: () => run(campaign),
            },
            active ? 'Running…' : 'Run',
          ),
        ),
      ),
      campaign.error
        ? h('pre', { class: 'config-error' }, campaign.error)
        : h(
            'div',
            { class: 'brief-facts' },
            fact(plural(campaign.shots.length, 'shot')),
            fact(plural(seeds, 'image')),
            fact(campaign.stages.join(' → ')),
            ...Object.entries(campaign.models).map(([role, model]) => fact(`${role}: ${model}`, 'mono')),
          ),
      active && progress(campaign, active),
      !campaign.error &&
        h(
          'details',
          { class: 'shots' },
          h('summary', {}, 'Shots'),
          h(
            'ul',
            {},
            campaign.shots.map((shot) =>
              h(
                'li',
                {},
                h('strong', {}, shot.id),
                shot.headline && h('span', { class: 'headline' }, `“${shot.headline}”`),
                h('span', { class: 'muted' }, shot.prompt),
              ),
            ),
          ),
        ),
      runsTable(campaign, active),
    );
  }

  /**
   * @param {string} text
   * @param {string} [extra]  more classes
   */
  function fact(text, extra = '') {
    return h('span', { class: `chip ${extra}` }, text);
  }

  /**
   * @param {CampaignDescription} campaign
   * @param {LiveRun} active
   */
  function progress(campaign, active) {
    const fraction = active.totalJobs > 0 ? active.finishedJobs / active.totalJobs : 0;
    const bar = h('div', { class: 'progress-bar' });
    bar.style.setProperty('width', `${Math.round(fraction * 100)}%`);
    return h(
      'div',
      { class: 'progress', dataset: { progressFor: campaign.id } },
      h('div', { class: 'progress-track' }, bar),
      h(
        'div',
        { class: 'progress-label' },
        h(
          'span',
          {},
          `${active.state === 'stopping' ? 'Stopping' : 'Rendering'} ${active.finishedJobs}/${active.totalJobs} jobs`,
        ),
        active.current && h('span', { class: 'muted' }, active.current),
        active.failedChains > 0 && h('span', { class: 'bad' }, `${active.failedChains} failed`),
        h(
          'a',
          { href: `#/c/${encodeURIComponent(campaign.id)}/r/${encodeURIComponent(active.runId)}` },
          'Watch in gallery',
        ),
        active.state !== 'stopping' &&
          h('button', { class: 'button button-small', onclick: () => stop(campaign, active.runId) }, 'Stop'),
      ),
    );
  }

  /**
   * @param {CampaignDescription} campaign
   * @param {LiveRun | undefined} active
   */
  function runsTable(campaign, active) {
    if (campaign.runs.length === 0) return h('p', { class: 'muted runs-empty' }, 'No runs yet.');
    return h(
      'table',
      { class: 'runs' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Run', 'Status', 'Started', 'Images', 'Review', ''].map((title) => h('th', {}, title)),
        ),
      ),
      h(
        'tbody',
        {},
        campaign.runs.slice(0, 8).map((run) => {
          const live = active?.runId === run.id;
          const status = live ? 'running' : run.status === 'running' ? 'stopped' : run.status;
          return h(
            'tr',
            { dataset: { run: run.id, runStatus: status } },
            h(
              'td',
              { class: 'mono' },
              h(
                'a',
                { href: `#/c/${encodeURIComponent(campaign.id)}/r/${encodeURIComponent(run.id)}` },
                run.id,
              ),
            ),
            h(
              'td',
              {},
              h('span', { class: `pill pill-${status}` }, status),
              !run.current &&
                h(
                  'span',
                  { class: 'muted small', title: 'The config changed since this run' },
                  ' older config',
                ),
            ),
            h(
              'td',
              {},
              formatAgo(run.createdAt),
              run.wallMs !== null && h('span', { class: 'muted small' }, ` · ${formatDuration(run.wallMs)}`),
            ),
            h(
              'td',
              {},
              run.chains === null ? '—' : `${run.succeeded}/${run.chains}`,
              (run.failed ?? 0) > 0 &&
                h(
                  'span',
                  {
                    class: 'bad small',
                    title: run.failures.map((failure) => `${failure.shotId}: ${failure.reason}`).join('\n'),
                  },
                  ` · ${run.failed} failed`,
                ),
            ),
            h(
              'td',
              {},
              h('span', { class: 'good' }, `${run.approved} ✓`),
              ' ',
              h('span', { class: 'bad' }, `${run.rejected} ✕`),
            ),
            h(
              'td',
              { class: 'row-actions' },
              h(
                'a',
                {
                  class: 'button button-small',
                  href: `#/c/${encodeURIComponent(campaign.id)}/r/${encodeURIComponent(run.id)}`,
                },
                'Open gallery',
              ),
              !live &&
                run.current &&
                (run.failed ?? 0) > 0 &&
                h(
                  'button',
                  {
                    class: 'button button-small',
                    onclick: () => resume(campaign, run.id, 'Retrying failed shots'),
                  },
                  'Retry failed',
                ),
            ),
          );
        }),
      ),
    );
  }

  /** @param {CampaignDescription} campaign */
  async function run(campaign) {
    try {
      const { run: started } = await api(paths.runs(campaign.id), { method: 'POST', body: { fresh: true } });
      context.toast(`Run ${started.runId} started`, 'good');
      context.navigate(`#/c/${encodeURIComponent(campaign.id)}/r/${encodeURIComponent(started.runId)}`);
    } catch (error) {
      const details = error instanceof ApiError ? error.details : [];
      context.toast(`Could not start: ${messageOf(error)}${details.length ? ` — ${details[0]}` : ''}`, 'bad');
      scheduleReload();
    }
  }

  /**
   * @param {CampaignDescription} campaign
   * @param {string} runId
   * @param {string} [label]  what the toast calls it
   */
  async function resume(campaign, runId, label = 'Resuming') {
    try {
      await api(paths.resume(campaign.id, runId), { method: 'POST' });
      context.toast(`${label}: run ${runId}`, 'good');
      context.navigate(`#/c/${encodeURIComponent(campaign.id)}/r/${encodeURIComponent(runId)}`);
    } catch (error) {
      context.toast(`Could not resume: ${messageOf(error)}`, 'bad');
    }
  }

  /**
   * @param {CampaignDescription} campaign
   * @param {string} runId
   */
  async function stop(campaign, runId) {
    try {
      await api(paths.stop(campaign.id, runId), { method: 'POST' });
      context.toast('Stopping after the images in progress; resume it any time', 'info');
    } catch (error) {
      context.toast(messageOf(error), 'bad');
    }
  }

  const unsubscribe = context.on((event) => {
    if (event.type === 'run' && event.event.type === 'job-finished') {
      const campaign = campaigns.find((entry) => entry.id === event.campaignId);
      const slot = list.querySelector(`[data-progress-for="${CSS.escape(event.campaignId)}"]`);
      const active = context.active.get(event.campaignId);
      if (campaign && slot && active) slot.replaceWith(progress(campaign, active));
      else scheduleReload();
    } else if (
      event.type !== 'run' ||
      event.event.type === 'run-started' ||
      event.event.type === 'run-finished'
    )
      scheduleReload();
  });

  load();
  return {
    dispose() {
      unsubscribe();
      clearTimeout(reloadTimer);
    },
  };
}
