// @ts-check
// Two runs side by side for the same shot and seed: what changed between renders (model,
// params, seeds) and how the reviewers saw each.
import { api, messageOf, paths } from './api.js';
import { h } from './dom.js';
import { formatDuration, formatTime, shortSha } from './format.js';
import { stageStrip } from './stage-strip.js';

/** @typedef {import('../api-types.ts').ChainDetailResponse} ChainDetailResponse */
/** @typedef {import('../api-types.ts').RunListEntry} RunListEntry */
/** @typedef {import('./app.js').StudioContext} StudioContext */

/**
 * The compare route: `#/c/<campaign>/compare/<shot>/<seedIndex>?a=<run>&b=<run>`.
 * @typedef {object} CompareParams
 * @property {string} campaign
 * @property {string} shot
 * @property {number} seedIndex
 * @property {URLSearchParams} query  `a` and `b` name the runs (default: the latest two)
 */

/**
 * @param {HTMLElement} root
 * @param {CompareParams} params
 * @param {StudioContext} context
 */
export function compareView(root, params, context) {
  const { campaign, shot, seedIndex } = params;
  /** @type {RunListEntry[]} */
  let runs = [];
  /** @type {string | null | undefined} the left run, once known */
  let left = params.query.get('a');
  /** @type {string | null | undefined} the right run, once known */
  let right = params.query.get('b');
  const head = h('section', { class: 'page-head' });
  const columns = h('div', { class: 'compare' });
  root.append(head, columns);

  async function load() {
    try {
      const description = await api(paths.campaign(campaign));
      runs = description.runs;
      left ??= runs[0]?.id;
      right ??= runs[1]?.id ?? runs[0]?.id;
      head.replaceChildren(
        h(
          'div',
          {},
          h(
            'nav',
            { class: 'crumbs' },
            h('a', { href: '#/' }, 'Briefs'),
            ' / ',
            description.name,
            ' / ',
            left &&
              h(
                'a',
                { href: `#/c/${encodeURIComponent(campaign)}/r/${encodeURIComponent(left)}` },
                `run ${left}`,
              ),
          ),
          h('h1', {}, `Compare ${shot}`, h('span', { class: 'muted' }, `seed #${seedIndex + 1} in two runs`)),
        ),
      );
      const [a, b] = await Promise.all([detailOf(left), detailOf(right)]);
      const same = a?.chain.image && b?.chain.image && a.chain.image.sha256 === b.chain.image.sha256;
      columns.replaceChildren(
        column(a, left, (value) => update(value, right)),
        column(b, right, (value) => update(left, value)),
      );
      if (same)
        columns.prepend(h('div', { class: 'compare-note' }, 'Identical image in both runs (same sha256).'));
    } catch (error) {
      columns.replaceChildren(h('div', { class: 'empty error' }, messageOf(error)));
    }
  }

  /**
   * Shows another pair of runs (both are set once the campaign has a run to pick).
   * @param {string | null | undefined} a
   * @param {string | null | undefined} b
   */
  function update(a, b) {
    context.navigate(
      `#/c/${encodeURIComponent(campaign)}/compare/${encodeURIComponent(shot)}/${seedIndex}?a=${encodeURIComponent(a ?? '')}&b=${encodeURIComponent(b ?? '')}`,
    );
  }

  /**
   * The image in one run, or null when that run has none.
   * @param {string | null | undefined} runId
   * @returns {Promise<ChainDetailResponse | null>}
   */
  async function detailOf(runId) {
    if (!runId) return null;
    try {
      return await api(paths.chain(campaign, runId, shot, seedIndex));
    } catch {
      return null;
    }
  }

  /**
   * @param {ChainDetailResponse | null} detail
   * @param {string | null | undefined} runId
   * @param {(runId: string) => void} choose
   */
  function column(detail, runId, choose) {
    const select = h(
      'select',
      { class: 'select', 'aria-label': 'Run', onchange: (event) => choose(event.currentTarget.value) },
      runs.map((run) =>
        h('option', { value: run.id, selected: run.id === runId }, `run ${run.id} · ${run.status}`),
      ),
    );
    if (!detail)
      return h(
        'div',
        { class: 'compare-column' },
        select,
        h('div', { class: 'empty' }, 'This run has no image for this shot and seed.'),
      );
    const { chain, run } = detail;
    const decision = chain.decision;
    const models = Object.entries(run.lock?.models ?? {}).map(
      ([role, entry]) => `${role}: ${entry.reference}${entry.version ? `@${entry.version}` : ''}`,
    );
    return h(
      'div',
      { class: 'compare-column', dataset: { run: run.id } },
      select,
      h(
        'figure',
        { class: 'compare-figure' },
        chain.image
          ? h('img', {
              class: 'compare-img',
              src: paths.artifact(campaign, chain.image.sha256, 1280),
              alt: `${shot} in run ${run.id}`,
            })
          : h('div', { class: 'detail-placeholder' }, chain.reason ?? chain.status),
      ),
      h(
        'div',
        { class: `decision decision-${decision?.decision ?? 'none'}` },
        decision
          ? `${decision.decision === 'approve' ? 'Approved' : 'Rejected'} by ${decision.reviewer} · ${formatTime(decision.createdAt)}`
          : 'Not reviewed',
      ),
      stageStrip(
        campaign,
        chain.stages.map((cell) => cell.stage),
        chain.stages,
        { size: 'large' },
      ),
      h(
        'dl',
        { class: 'compare-facts' },
        h('dt', {}, 'Seed'),
        h(
          'dd',
          {},
          chain.renderSeed === chain.seed
            ? String(chain.seed)
            : `${chain.renderSeed} (re-roll of ${chain.seed})`,
        ),
        h('dt', {}, 'Image'),
        h('dd', { class: 'mono' }, shortSha(chain.image?.sha256)),
        h('dt', {}, 'Models'),
        h('dd', {}, models.join(', ')),
        h('dt', {}, 'Render time'),
        h('dd', {}, formatDuration(chain.stages.reduce((sum, cell) => sum + (cell.durationMs ?? 0), 0))),
        h('dt', {}, 'Run started'),
        h('dd', {}, formatTime(run.createdAt)),
      ),
    );
  }

  load();
  return {};
}
