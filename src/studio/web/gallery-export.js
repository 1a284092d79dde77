// @ts-check
// Export of a run's approved set: a zip of the approved images with their manifests, made by
// the server (`GET .../export.zip`) and downloaded by the browser as it streams.
import { paths } from './api.js';
import { h } from './dom.js';

/**
 * The toolbar's export action: a download link once something is approved, else a disabled
 * button saying what to do first.
 * @param {string} campaign
 * @param {string} run
 * @param {number} approved  images approved in the run
 */
export function exportAction(campaign, run, approved) {
  return approved > 0
    ? h(
        'a',
        {
          class: 'button button-primary',
          href: paths.exportZip(campaign, run),
          download: '',
          dataset: { action: 'export' },
        },
        `Export ${approved} approved`,
      )
    : h('button', { class: 'button', disabled: true, title: 'Approve images first' }, 'Export approved');
}
