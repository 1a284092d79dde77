// @ts-check
// Metrics: time-to-approval per shot and per campaign, approval rate and rework per model and
// role. Time-to-approval runs from the moment a shot's first image was ready to its approval.
import { adherenceApprovalSection } from './adherence-view.js';
import { api, messageOf, paths } from './api.js';
import { barChart } from './charts.js';
import { h } from './dom.js';
import { formatDuration, formatPercent, formatTime } from './format.js';

/** @typedef {import('../api-types.ts').MetricsResponse} MetricsResponse */
/** @typedef {import('../api-types.ts').ModelApproval} ModelApproval */
/** @typedef {import('../api-types.ts').ShotApproval} ShotApproval */
/** @typedef {import('./app.js').StudioContext} StudioContext */

/**
 * @param {ShotApproval} shot
 * @returns {shot is ShotApproval & { timeToApprovalMs: number }}
 */
const hasApproval = (shot) => shot.timeToApprovalMs !== null;

/**
 * @param {HTMLElement} root
 * @param {StudioContext} context
 */
export function metricsView(root, context) {
  const body = h('div', { class: 'metrics' });
  root.append(
    h(
      'section',
      { class: 'page-head' },
      h(
        'div',
        {},
        h('h1', {}, 'Metrics'),
        h(
          'p',
          { class: 'muted' },
          'Time-to-approval: from the first render of a shot being ready to its approval, across re-renders.',
        ),
      ),
    ),
    body,
  );

  async function load() {
    try {
      render(await api(paths.metrics()));
    } catch (error) {
      body.replaceChildren(h('div', { class: 'empty error' }, messageOf(error)));
    }
  }

  /** @param {MetricsResponse} metrics */
  function render(metrics) {
    if (metrics.campaigns.length === 0) {
      body.replaceChildren(
        h(
          'div',
          { class: 'empty' },
          h('h2', {}, 'No reviews yet'),
          h('p', {}, 'Run a brief and approve or reject its images; the figures appear here.'),
        ),
      );
      return;
    }
    body.replaceChildren(...metrics.campaigns.map(campaignSection), modelsSection(metrics.models));
  }

  /** @param {MetricsResponse['campaigns'][number]} campaign */
  function campaignSection(campaign) {
    const approved = campaign.shots
      .filter(hasApproval)
      .sort((a, b) => a.timeToApprovalMs - b.timeToApprovalMs);
    return h(
      'section',
      { class: 'card metrics-campaign', dataset: { campaign: campaign.id } },
      h('h2', {}, campaign.campaign),
      h(
        'div',
        { class: 'stats' },
        stat('Median time-to-approval', formatDuration(campaign.medianTimeToApprovalMs), {
          ms: campaign.medianTimeToApprovalMs ?? '',
          metric: 'median',
        }),
        stat('Mean time-to-approval', formatDuration(campaign.meanTimeToApprovalMs), {
          ms: campaign.meanTimeToApprovalMs ?? '',
          metric: 'mean',
        }),
        stat('Shots approved', `${campaign.approvedShots}/${campaign.totalShots}`, {
          metric: 'approved-shots',
        }),
        stat('Approval rate', formatPercent(campaign.approvalRate), { metric: 'approval-rate' }),
      ),
      barChart(
        approved.map((shot) => ({
          label: shot.shotId,
          value: shot.timeToApprovalMs,
          text: formatDuration(shot.timeToApprovalMs),
        })),
        { title: 'Time-to-approval per shot', empty: 'No shot approved yet.' },
      ),
      adherenceApprovalSection(campaign.adherence),
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Shot', 'First ready', 'Approved', 'Time-to-approval', 'Rejections', 'Images rendered'].map(
              (title) => h('th', {}, title),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          campaign.shots.map((shot) =>
            h(
              'tr',
              { dataset: { shot: shot.shotId } },
              h('td', {}, h('strong', {}, shot.shotId)),
              h('td', {}, formatTime(shot.firstReadyAt)),
              h(
                'td',
                {},
                shot.approvedAt
                  ? `${formatTime(shot.approvedAt)} · ${shot.approvedBy}`
                  : h('span', { class: 'muted' }, 'awaiting'),
              ),
              h(
                'td',
                { class: 'time-to-approval', dataset: { ms: shot.timeToApprovalMs ?? '' } },
                formatDuration(shot.timeToApprovalMs),
              ),
              h('td', {}, String(shot.rejections)),
              h('td', {}, String(shot.renders)),
            ),
          ),
        ),
      ),
    );
  }

  /** @param {ModelApproval[]} models */
  function modelsSection(models) {
    return h(
      'section',
      { class: 'card metrics-models' },
      h('h2', {}, 'Models and roles'),
      h(
        'p',
        { class: 'muted' },
        'Approval rate of the images each model helped make. Rework counts rejected images plus automatic re-rolls by a quality gate at the model’s stage.',
      ),
      h(
        'div',
        { class: 'chart-pair' },
        barChart(
          models.map((model) => ({
            label: `${model.role} · ${model.model}`,
            value: model.approvalRate,
            text: `${formatPercent(model.approvalRate)} of ${model.reviewed}`,
            tone: 'good',
          })),
          { title: 'Approval rate', max: 1 },
        ),
        barChart(
          models.map((model) => ({
            label: `${model.role} · ${model.model}`,
            value: model.rework,
            text: String(model.rework),
            tone: 'bad',
          })),
          { title: 'Rework count' },
        ),
      ),
      h(
        'table',
        { class: 'table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Role', 'Model', 'Reviewed', 'Approved', 'Rejected', 'Re-rolls', 'Rework', 'Approval rate'].map(
              (title) => h('th', {}, title),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          models.map((model) =>
            h(
              'tr',
              { dataset: { role: model.role, model: model.model } },
              h('td', {}, model.role),
              h('td', { class: 'mono' }, model.model),
              h('td', {}, String(model.reviewed)),
              h('td', {}, String(model.approved)),
              h('td', {}, String(model.rejected)),
              h('td', {}, String(model.rerolls)),
              h('td', {}, String(model.rework)),
              h('td', {}, formatPercent(model.approvalRate)),
            ),
          ),
        ),
      ),
    );
  }

  /**
   * @param {string} label
   * @param {string} value
   * @param {Record<string, string | number>} dataset
   */
  function stat(label, value, dataset) {
    return h(
      'div',
      { class: 'stat', dataset },
      h('div', { class: 'stat-value' }, value),
      h('div', { class: 'stat-label' }, label),
    );
  }

  const unsubscribe = context.on((event) => {
    if (event.type === 'review' || event.type === 'run-state') load();
  });
  load();
  return { dispose: unsubscribe };
}
