// The review studio's responsiveness on a 100-image run: how long the pages' API calls take
// (gallery, detail, metrics), recording a review, a preview, a one-click run start, and
// exporting an approved set. In-process through Hono's `app.request`, so no network is timed.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadCampaign } from '../src/config/load-campaign.ts';
import { runCampaign } from '../src/pipeline/run-campaign.ts';
import { stageCatalog } from '../src/stages/stage-catalog.ts';
import { approvedSetZip, collectApprovedSet } from '../src/studio/approved-set-export.ts';
import { CampaignCatalog } from '../src/studio/campaign-catalog.ts';
import { RunManager } from '../src/studio/run-manager.ts';
import { createStudioApp } from '../src/studio/studio-app.ts';
import { type BenchSection, median, percentile, round } from './bench-section.ts';

const shots = 50;
const seeds = 2;
const repeats = 15;

async function timeIt(action: () => Promise<unknown>, times = repeats): Promise<number[]> {
  const durations: number[] = [];
  for (let index = 0; index < times; index++) {
    const started = performance.now();
    await action();
    durations.push(performance.now() - started);
  }
  return durations;
}

export async function run(): Promise<BenchSection> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-bench-studio-'));
  const runs = new RunManager();
  const catalog = new CampaignCatalog(directory);
  try {
    const configPath = join(directory, 'atelier.yaml');
    await writeFile(
      configPath,
      stringify({
        campaign: 'bench-studio',
        models: { compose: 'builtin:draft' },
        brand: { palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057'] },
        pipeline: {
          seeds,
          stages: [
            { stage: 'compose', size: '768x768' },
            { stage: 'export', formats: ['png'], crops: [{ aspect: '4:5', size: '160x200' }] },
          ],
        },
        shots: Array.from({ length: shots }, (_, index) => ({
          id: `shot-${index}`,
          prompt: `still life ${index}`,
        })),
      }),
    );
    const loaded = await loadCampaign(configPath, { stages: stageCatalog(), providers: ['builtin'] });
    const { runId } = await runCampaign({ loaded });
    await catalog.list();
    const app = createStudioApp({ catalog, runs });
    const [entry] = await catalog.list();
    const base = `/api/campaigns/${entry!.id}/runs/${runId}`;
    const gallery = (await (await app.request(base)).json()) as {
      chains: Array<{ shotId: string; seedIndex: number; image: { sha256: string } }>;
    };
    const read = async (path: string) => (await app.request(path)).arrayBuffer();
    const post = (path: string, body: unknown) =>
      app.request(path, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });

    const rows: BenchSection['rows'] = [];
    const add = (operation: string, durations: number[], note = '') =>
      rows.push({
        operation,
        'median ms': round(median(durations), 1),
        'p95 ms': round(percentile(durations, 0.95), 1),
        samples: durations.length,
        note,
      });

    add('GET gallery (100 images)', await timeIt(() => read(base)));
    add('GET image detail (manifests)', await timeIt(() => read(`${base}/chains/shot-7/1`)));
    let reviewIndex = 0;
    add(
      'POST review',
      await timeIt(async () => {
        const chain = gallery.chains[reviewIndex++ % gallery.chains.length]!;
        const response = await post(`${base}/reviews`, {
          shotId: chain.shotId,
          seedIndex: chain.seedIndex,
          decision: reviewIndex % 4 === 0 ? 'reject' : 'approve',
          reviewer: 'Bench',
        });
        if (response.status !== 201) throw new Error(`review: ${response.status}`);
      }, 50),
    );
    add('GET metrics', await timeIt(() => read('/api/metrics')));

    const previews = gallery.chains.slice(0, repeats).map((chain) => chain.image.sha256);
    let previewIndex = 0;
    const preview = () =>
      read(`/artifacts/${entry!.id}/${previews[previewIndex++ % previews.length]}?width=320`);
    add('GET preview 320 px, first time', await timeIt(preview), 'resize 768 px PNG to WebP');
    add('GET preview 320 px, again', await timeIt(preview), 'kept in memory (and in .atelier/previews)');

    const set = await collectApprovedSet(catalog.workspace(entry!)!, runId);
    let bytes = 0;
    const exportDurations = await timeIt(async () => {
      bytes = 0;
      for await (const chunk of approvedSetZip(catalog.workspace(entry!)!, set)) bytes += chunk.byteLength;
    }, 5);
    add(
      `export zip (${set.images.length} approved images)`,
      exportDurations,
      `${round(bytes / 2 ** 20, 1)} MiB`,
    );

    const starts = await timeIt(async () => {
      const started = await runs.start(entry!, { fresh: true });
      await new Promise<void>((resolve) => {
        const unsubscribe = runs.subscribe((event) => {
          if (event.type === 'run-state' && event.runId === started.runId && event.state !== 'stopping') {
            unsubscribe();
            resolve();
          }
        });
        if (!runs.activeFor(entry!.id)) resolve();
      });
    }, 3);
    add('one-click run, all cached (fork to finished)', starts, '100 images x 2 stages, cache hits');

    return {
      title: 'Review studio (in-process API)',
      rows,
      notes: [
        `${shots} shots x ${seeds} seeds at 768 px through compose and export; ${repeats} samples per row unless noted.`,
        'The one-click run row includes forking the run process and loading the TypeScript sources through tsx.',
      ],
    };
  } finally {
    await runs.close();
    catalog.close();
    await rm(directory, { recursive: true, force: true });
  }
}
