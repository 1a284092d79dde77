// @ts-check
// The stage strip: one tile per pipeline stage of a chain (compose → typography → stylize →
// upscale → export...), each with its output, status and any score the stage reported. Stages
// are taken from the run itself, so new stages appear without changes here.
import { paths } from './api.js';
import { h } from './dom.js';
import { formatDuration, formatScore } from './format.js';

/** @typedef {import('../api-types.ts').StageCell} StageCell */

/**
 * @param {string} campaign
 * @param {string[]} stages  stage names of the run, in order
 * @param {StageCell[]} cells   the chain's stage cells (by stageIndex)
 * @param {{ size?: 'compact' | 'large' }} [options]
 */
export function stageStrip(campaign, stages, cells, options = {}) {
  const size = options.size ?? 'compact';
  const byIndex = new Map(cells.map((cell) => [cell.stageIndex, cell]));
  return h(
    'ol',
    { class: `stage-strip stage-strip-${size}`, 'aria-label': 'Stages' },
    stages.map((stage, index) => {
      const cell = byIndex.get(index);
      const status = cell?.status ?? 'pending';
      const thumbnail = cell?.thumbnail;
      const extra = cell && cell.outputs.length > 1 ? `${cell.outputs.length} files` : null;
      const title = [
        stage,
        status,
        cell?.score !== null && cell?.score !== undefined ? `score ${formatScore(cell.score)}` : null,
        cell?.durationMs ? formatDuration(cell.durationMs) : null,
        cell?.cacheHit ? 'from cache' : null,
        cell?.error,
      ]
        .filter(Boolean)
        .join(' · ');
      return h(
        'li',
        { class: `stage stage-${status}`, title, dataset: { stage, stageStatus: status } },
        h(
          'div',
          { class: 'stage-thumb' },
          thumbnail
            ? h('img', {
                class: 'stage-img',
                src: paths.artifact(campaign, thumbnail.sha256, 320),
                alt: `${stage} output`,
                loading: 'lazy',
                decoding: 'async',
              })
            : h(
                'span',
                { class: 'stage-empty' },
                status === 'running' ? '…' : status === 'failed' || status === 'rejected' ? '!' : '',
              ),
          cell?.score !== null &&
            cell?.score !== undefined &&
            h('span', { class: 'stage-score' }, formatScore(cell.score)),
        ),
        h('span', { class: 'stage-name' }, stage),
        size === 'large' &&
          h(
            'span',
            { class: 'stage-facts muted' },
            cell?.cacheHit ? 'cache' : cell?.durationMs ? formatDuration(cell.durationMs) : status,
            extra && ` · ${extra}`,
          ),
      );
    }),
  );
}
