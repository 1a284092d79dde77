// The review studio under load: 500 simultaneous GETs across the campaign list, campaigns,
// galleries, image details, metrics and image previews, against a real `atelier studio` process
// on 127.0.0.1 (the client runs in this process, the server in its own, as a browser and the
// studio would). Cold: the studio just started, no preview rendered yet. Warm: the same 500
// again. Bounded: 500 requests a round, each abandoned after 60 s, on loopback only.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { loadCampaign } from '../src/config/load-campaign.ts';
import { runCampaign } from '../src/pipeline/run-campaign.ts';
import { openWorkspace } from '../src/pipeline/workspace.ts';
import { stageCatalog } from '../src/stages/stage-catalog.ts';
import { buildRunGallery } from '../src/studio/run-gallery.ts';
import { SeededRandom } from '../src/util/seeded-random.ts';
import { type BenchSection, median, percentile, round } from './bench-section.ts';

const concurrentRequests = 500;
const requestTimeoutMs = 60_000;
/** Two campaigns: shots x seeds images each, composed at 768 px and cropped. */
const campaigns = [
  { folder: 'spring', shots: 40, seeds: 2 },
  { folder: 'autumn', shots: 20, seeds: 2 },
];

interface Target {
  kind: string;
  path: string;
}

interface Sample {
  kind: string;
  ms: number;
  ok: boolean;
}

export async function run(): Promise<BenchSection> {
  const workspace = await mkdtemp(join(tmpdir(), 'atelier-bench-studio-load-'));
  let studio: ChildProcess | undefined;
  try {
    const rendered = [];
    for (const campaign of campaigns) rendered.push(await renderCampaign(workspace, campaign));
    const started = await startStudioProcess(workspace);
    studio = started.child;
    const base = started.url;
    const targets = mixedTargets(rendered);

    const cold = await fire(base, targets);
    const warm = await fire(base, targets);
    const oneAtATime: Sample[] = [];
    for (const target of targets.filter((_, index) => index % 10 === 0))
      oneAtATime.push(await request(base, target));

    const rows: BenchSection['rows'] = [
      summaryRow(`${concurrentRequests} at once, cold`, cold),
      summaryRow(`${concurrentRequests} at once, warm`, warm),
      summaryRow('one at a time, warm (every 10th)', { samples: oneAtATime, wallMs: Number.NaN }),
    ];
    for (const [name, round] of [
      ['cold', cold],
      ['warm', warm],
    ] as const) {
      for (const kind of new Set(targets.map((target) => target.kind))) {
        const samples = round.samples.filter((sample) => sample.kind === kind);
        rows.push(summaryRow(`${name}: ${kind}`, { samples, wallMs: Number.NaN }));
      }
    }
    return {
      title: 'Review studio under load (500 concurrent GETs over HTTP)',
      rows,
      notes: [
        `Workspace: ${campaigns.map((entry) => `${entry.folder} (${entry.shots * entry.seeds} images, reviewed)`).join(', ')}; compose 768 px, export 4:5 crop.`,
        'Mix per round: campaign list, campaign, gallery, image detail, metrics, and WebP previews at 320 and 640 px (cold: none rendered yet; some asked for twice at once).',
        'The studio runs as `atelier studio` in its own process on 127.0.0.1; the client fires every request at once from this process. Target: 0 errors, p99 <= 3 s cold and <= 1 s warm.',
      ],
    };
  } finally {
    if (studio) await stopStudioProcess(studio);
    await rm(workspace, { recursive: true, force: true });
  }
}

async function renderCampaign(
  workspace: string,
  { folder, shots, seeds }: (typeof campaigns)[number],
): Promise<{
  id: string;
  runId: string;
  chains: Array<{ shotId: string; seedIndex: number; sha256: string }>;
}> {
  const directory = join(workspace, folder);
  await mkdir(directory, { recursive: true });
  const configPath = join(directory, 'atelier.yaml');
  await writeFile(
    configPath,
    stringify({
      campaign: `bench-${folder}`,
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
  // Reviews, so the metrics have something to count: two in three approved, the rest rejected.
  const opened = openWorkspace(directory);
  try {
    const run = opened.ledger.run(runId)!;
    const chains = buildRunGallery(opened.ledger, run).chains.map((chain) => ({
      shotId: chain.shotId,
      seedIndex: chain.seedIndex,
      sha256: chain.image!.sha256,
    }));
    chains.forEach((chain, index) => {
      opened.ledger.addReview({
        runId,
        ...chain,
        decision: index % 3 === 2 ? 'reject' : 'approve',
        reviewer: 'Bench',
        createdAt: new Date(Date.now() + index * 1000).toISOString(),
      });
    });
    return { id: folder, runId, chains };
  } finally {
    opened.close();
  }
}

/** 500 requests of every kind the studio's pages make, in a fixed shuffled order. */
function mixedTargets(rendered: Awaited<ReturnType<typeof renderCampaign>>[]): Target[] {
  const targets: Target[] = [];
  const generator = new SeededRandom(17);
  const random = () => generator.next();
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
  const runPath = (campaign: (typeof rendered)[number]) =>
    `/api/campaigns/${campaign.id}/runs/${campaign.runId}`;
  for (let index = 0; index < 40; index++) targets.push({ kind: 'campaign list', path: '/api/campaigns' });
  for (let index = 0; index < 40; index++)
    targets.push({ kind: 'campaign', path: `/api/campaigns/${pick(rendered).id}` });
  for (let index = 0; index < 100; index++) targets.push({ kind: 'gallery', path: runPath(pick(rendered)) });
  for (let index = 0; index < 100; index++) {
    const campaign = pick(rendered);
    const chain = pick(campaign.chains);
    targets.push({
      kind: 'image detail',
      path: `${runPath(campaign)}/chains/${chain.shotId}/${chain.seedIndex}`,
    });
  }
  for (let index = 0; index < 60; index++) targets.push({ kind: 'metrics', path: '/api/metrics' });
  // Previews: every image at 320 px once (the gallery), and a few at 640 px asked for twice.
  const images = rendered.flatMap((campaign) => campaign.chains.map((chain) => ({ campaign, chain })));
  for (const { campaign, chain } of images.slice(0, 120))
    targets.push({ kind: 'preview', path: `/artifacts/${campaign.id}/${chain.sha256}?width=320` });
  for (const { campaign, chain } of images.slice(0, 20))
    for (let twice = 0; twice < 2; twice++)
      targets.push({ kind: 'preview', path: `/artifacts/${campaign.id}/${chain.sha256}?width=640` });
  if (targets.length !== concurrentRequests) throw new Error(`expected ${concurrentRequests} targets`);
  // Fisher-Yates with the seeded generator: the same order every run.
  for (let index = targets.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [targets[index], targets[other]] = [targets[other]!, targets[index]!];
  }
  return targets;
}

async function request(base: string, target: Target): Promise<Sample> {
  const started = performance.now();
  try {
    const response = await fetch(`${base}${target.path}`, { signal: AbortSignal.timeout(requestTimeoutMs) });
    await response.arrayBuffer();
    return { kind: target.kind, ms: performance.now() - started, ok: response.status === 200 };
  } catch {
    return { kind: target.kind, ms: performance.now() - started, ok: false };
  }
}

async function fire(
  base: string,
  targets: readonly Target[],
): Promise<{ samples: Sample[]; wallMs: number }> {
  const started = performance.now();
  const samples = await Promise.all(targets.map((target) => request(base, target)));
  return { samples, wallMs: performance.now() - started };
}

function summaryRow(name: string, { samples, wallMs }: { samples: Sample[]; wallMs: number }) {
  const durations = samples.map((sample) => sample.ms);
  return {
    round: name,
    requests: samples.length,
    errors: samples.filter((sample) => !sample.ok).length,
    'p50 ms': round(median(durations), 0),
    'p95 ms': round(percentile(durations, 0.95), 0),
    'p99 ms': round(percentile(durations, 0.99), 0),
    'max ms': round(Math.max(...durations), 0),
    'wall s': Number.isNaN(wallMs) ? '' : round(wallMs / 1000, 2),
  };
}

/** `atelier studio <workspace> --port 0` in its own process; resolves with its address. */
async function startStudioProcess(workspace: string): Promise<{ child: ChildProcess; url: string }> {
  const cli = new URL('../bin/atelier.js', import.meta.url).pathname;
  const child = spawn(process.execPath, [cli, 'studio', workspace, '--host', '127.0.0.1', '--port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`studio did not start in 60 s: ${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /studio listening on (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`studio exited (${code}): ${output}`));
    });
  });
  return { child, url };
}

async function stopStudioProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}
