// Renders the README's studio screenshots (docs/studio-*.png) from a real session: the example
// brief is run through the studio, reviewed over the API by two people, then photographed in
// chromium. Run: node --import tsx test/tools/studio-screenshots.ts
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStudio } from '../../src/studio/start-studio.ts';
import { launchBrowser } from '../helpers/studio-browser.ts';

const repository = new URL('../../', import.meta.url).pathname;
const docs = join(repository, 'docs');
const workspace = await mkdtemp(join(tmpdir(), 'atelier-screenshots-'));
await cp(
  join(repository, 'examples', 'spring-launch', 'atelier.yaml'),
  join(workspace, 'spring-launch', 'atelier.yaml'),
  {
    recursive: true,
  },
);
await cp(
  join(repository, 'examples', 'spring-launch', 'atelier.lock.json'),
  join(workspace, 'spring-launch', 'atelier.lock.json'),
);

const studio = await startStudio({ workspaceDirectory: workspace, port: 0 });
const base = studio.url.replace(/\/$/, '');
const api = async (path: string, body?: unknown) => {
  const response = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<any>;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  const finished = new Promise<void>((resolve) =>
    studio.runs.subscribe((event) => {
      if (event.type === 'run-state' && event.state !== 'stopping') resolve();
    }),
  );
  const { run } = await api('/api/campaigns/spring-launch/runs', { fresh: true });
  await finished;
  const runPath = `/api/campaigns/spring-launch/runs/${run.runId}`;
  const { chains } = await api(runPath);

  // Two reviewers go through the set at a human pace.
  const plan: Array<[string, number, 'approve' | 'reject' | 'comment', string, string?]> = [
    ['hero-tulips', 0, 'approve', 'Ines'],
    ['hero-tulips', 1, 'reject', 'Ines'],
    ['garden-bottle', 0, 'comment', 'Marc', 'Lovely light; bottle a little small.'],
    ['garden-bottle', 1, 'approve', 'Marc'],
    ['picnic-meadow', 0, 'approve', 'Ines'],
    ['window-studio', 1, 'approve', 'Marc'],
    ['citrus-glow', 0, 'reject', 'Ines'],
    ['citrus-glow', 1, 'approve', 'Ines'],
    ['sea-breeze', 0, 'approve', 'Marc'],
  ];
  for (const [shotId, seedIndex, decision, reviewer, comment] of plan) {
    await sleep(1200);
    await api(`${runPath}/reviews`, {
      shotId,
      seedIndex,
      decision,
      reviewer,
      ...(comment ? { comment } : {}),
    });
  }

  // The designer warms the palette and renders again; Ines approves the re-rendered image she
  // had rejected, so its history and the comparison show both renders.
  const configPath = join(workspace, 'spring-launch', 'atelier.yaml');
  const source = await readFile(configPath, 'utf8');
  await writeFile(configPath, source.replace('"#2E4057"', '"#8C4A2F"'));
  const second = new Promise<void>((resolve) =>
    studio.runs.subscribe((event) => {
      if (event.type === 'run-state' && event.state !== 'stopping' && event.runId !== run.runId) resolve();
    }),
  );
  const { run: rerun } = await api('/api/campaigns/spring-launch/runs', { fresh: true });
  await second;
  await sleep(1500);
  await api(`/api/campaigns/spring-launch/runs/${rerun.runId}/reviews`, {
    shotId: 'hero-tulips',
    seedIndex: 1,
    decision: 'approve',
    reviewer: 'Ines',
  });

  await mkdir(docs, { recursive: true });
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => process.stderr.write(`page error: ${error.message}\n`));
    await page.goto(`${base}/#/c/spring-launch/r/${run.runId}`);
    await page.locator('#reviewer').fill('Ines');
    await page
      .locator('.shot-card img.shot-img')
      .nth(chains.length - 1)
      .waitFor();
    await page.waitForLoadState('networkidle');
    await page.locator('h1').click();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await sleep(600);
    await page.screenshot({ path: join(docs, 'studio-gallery.png') });

    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.locator('.detail .history li').first().waitFor();
    await page.waitForLoadState('networkidle');
    await sleep(400);
    await page.screenshot({ path: join(docs, 'studio-detail.png') });
    await page.keyboard.press('Escape');

    await page.goto(
      `${base}/#/c/spring-launch/compare/hero-tulips/1?a=${encodeURIComponent(run.runId)}&b=${encodeURIComponent(rerun.runId)}`,
    );
    await page.locator('.compare-column img').nth(1).waitFor();
    await page.waitForLoadState('networkidle');
    await sleep(400);
    await page.screenshot({ path: join(docs, 'studio-compare.png') });

    await page.goto(`${base}/#/metrics`);
    await page.locator('.metrics-campaign svg.chart').waitFor();
    await sleep(400);
    await page.screenshot({ path: join(docs, 'studio-metrics.png'), fullPage: true });
  } finally {
    await browser.close();
  }
  process.stdout.write('wrote docs/studio-{gallery,detail,compare,metrics}.png\n');
} finally {
  await studio.close();
  await rm(workspace, { recursive: true, force: true });
}
