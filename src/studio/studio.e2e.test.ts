// The studio as a designer uses it, in Debian's chromium: open it, click Run on a brief, wait
// for the images, approve two and reject one with the keyboard, export the approved set, and
// read the time-to-approval on the metrics page.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { chromiumRequirement, launchBrowser, startStudioProcess } from '../../test/helpers/studio-browser.ts';
import { requireSystemBinary } from '../../test/helpers/system-requirement.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { sha256 } from '../util/canonical-json.ts';

// A small brief like the example's: 3 shots x 1 seed at 256x256, compose then export crops.
const brief = {
  campaign: 'studio-e2e',
  models: { compose: 'builtin:draft' },
  brand: { name: 'Maison Verte', palette: ['#F4E9DA', '#E8A0BF', '#7FB77E', '#2E4057', '#F6C85F'] },
  pipeline: {
    seeds: 1,
    stages: [
      { stage: 'compose', size: '256x256' },
      {
        stage: 'export',
        formats: ['png'],
        crops: [
          { aspect: '4:5', size: '204x256' },
          { aspect: '1:1', size: '256x256' },
        ],
      },
    ],
  },
  shots: [
    { id: 'hero-tulips', prompt: 'spring tulips in soft morning light', headline: 'Spring into colour' },
    {
      id: 'garden-bottle',
      prompt: 'glass bottle among garden flowers, fresh dew',
      headline: 'Freshly picked',
    },
    { id: 'picnic-meadow', prompt: 'picnic blanket on a meadow hill, breeze', headline: 'Take it outside' },
  ],
};

let workspace: string;
let studio: Awaited<ReturnType<typeof startStudioProcess>> | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'atelier-studio-e2e-'));
  await mkdir(join(workspace, 'spring-brief'));
  await writeFile(join(workspace, 'spring-brief', 'atelier.yaml'), stringify(brief));
});

afterAll(async () => {
  await browser?.close();
  await studio?.stop();
  await rm(workspace, { recursive: true, force: true });
});

// CI installs chromium (.ci/run), so there the test must run; elsewhere it skips without it.
const hasChromium = requireSystemBinary(chromiumRequirement);

describe.skipIf(!hasChromium)('studio in a browser', () => {
  // A studio process, chromium and a 3-shot run: about 35 s on a loaded 2-core machine.
  it('runs a brief, reviews it with the keyboard, exports the approved set and shows time-to-approval', async () => {
    studio = await startStudioProcess(workspace);
    browser = await launchBrowser();
    const page = await browser.context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });

    await page.goto(studio.url);
    await page.locator('#reviewer').fill('Dana Designer');
    const card = page.locator('article.brief', { hasText: 'studio-e2e' });
    await card.getByRole('button', { name: 'Run', exact: true }).click();

    // Clicking Run opens the new run's gallery, which fills in live.
    await page.waitForURL(/#\/c\/spring-brief\/r\/[0-9]{8}-[0-9]{6}-[0-9a-f]{6}$/);
    const runId = /\/r\/([^/]+)$/.exec(page.url())![1]!;
    await page.locator('[data-run-status="completed"]').waitFor({ timeout: 90_000 });
    const cards = page.locator('.shot-card');
    await expect.poll(() => cards.locator('img.shot-img').count(), { timeout: 15_000 }).toBe(3);
    expect(await page.locator('.shot-card[data-status="succeeded"]').count()).toBe(3);
    expect(await cards.first().locator('.stage').count()).toBe(2);

    // Keyboard review: the first image is selected; A approves, → moves on, R rejects.
    await page.locator('h1').click();
    const decisionOf = (index: number) => cards.nth(index).getAttribute('data-decision');
    await page.keyboard.press('a');
    await expect.poll(() => decisionOf(0)).toBe('approve');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('a');
    await expect.poll(() => decisionOf(1)).toBe('approve');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('r');
    await expect.poll(() => decisionOf(2)).toBe('reject');
    const shots = await cards.evaluateAll((elements) =>
      elements.map((element) => element.getAttribute('data-shot')!),
    );
    const approvedShots = shots.slice(0, 2);

    // Export: the download holds exactly the two approved images, each with its manifest.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.locator('[data-action="export"]').click(),
    ]);
    const zipPath = join(workspace, 'approved.zip');
    await download.saveAs(zipPath);
    const entries = unzipSync(new Uint8Array(await readFile(zipPath)));
    const images = Object.keys(entries).filter((name) => name.endsWith('.png'));
    const chainsInZip = new Set(images.map((name) => name.split('/')[1]));
    expect([...chainsInZip].sort()).toEqual([...approvedShots].sort());
    const masters = images.filter((name) => name.endsWith('/01-compose.png'));
    expect(masters).toHaveLength(2);
    for (const image of images) {
      const manifest = JSON.parse(new TextDecoder().decode(entries[`${image}.json`]!));
      expect(manifest.output.sha256).toBe(sha256(entries[image]!));
      expect(approvedShots).toContain(manifest.shot);
    }

    // Time-to-approval, from the ledger: last stage finished -> approval recorded.
    const state = openWorkspace(join(workspace, 'spring-brief'));
    const expected = new Map<string, number>();
    for (const shot of approvedShots) {
      const ready = state.ledger
        .jobs(runId)
        .filter((job) => job.shotId === shot)
        .map((job) => job.finishedAt!)
        .sort()
        .at(-1)!;
      const approval = state.ledger
        .reviews({ runId, shotId: shot })
        .find((review) => review.decision === 'approve')!;
      expected.set(shot, Date.parse(approval.createdAt) - Date.parse(ready));
    }
    state.close();

    await page.locator('a[data-nav="metrics"]').click();
    const rows = page.locator('.metrics-campaign tr[data-shot]');
    await rows.first().waitFor();
    for (const [shot, ms] of expected) {
      const cell = page.locator(`.metrics-campaign tr[data-shot="${shot}"] .time-to-approval`);
      expect(Number(await cell.getAttribute('data-ms'))).toBe(ms);
      expect(await cell.textContent()).toMatch(/^\d+(\.\d)? s$|min|h/);
    }
    const rejected = page.locator(`.metrics-campaign tr[data-shot="${shots[2]}"] .time-to-approval`);
    expect(await rejected.textContent()).toBe('—');
    expect(await page.locator('.stat[data-metric="approved-shots"] .stat-value').textContent()).toBe('2/3');
    expect(await page.locator('.metrics-campaign svg.chart .chart-bar').count()).toBe(2);
    expect(problems).toEqual([]);
  }, 150_000);
});
