// The studio's edges, each probed by a test that failed before it was mended: cross-site
// writes, links out of the run folder, resuming a completed run, tokens, and a project that
// moved.
import { cp, mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioWorkspace, type StudioWorkspace } from '../../test/helpers/studio-workspace.ts';
import { smallCampaign } from '../../test/helpers/temp-project.ts';
import { CampaignCatalog, discoverCampaigns } from './campaign-catalog.ts';
import { RunManager } from './run-manager.ts';
import { startStudio } from './start-studio.ts';
import { createStudioApp } from './studio-app.ts';

// Two images: tulips at two seeds, through compose and export.
const config = () => smallCampaign({ shots: (smallCampaign().shots as unknown[]).slice(0, 1) });

const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

let studio: StudioWorkspace;
let runPath: string;
const outside: string[] = [];

beforeAll(async () => {
  studio = await createStudioWorkspace(config());
  runPath = `/api/campaigns/${studio.campaignId}/runs/${studio.runId}`;
});
afterAll(async () => {
  await studio.close();
  await Promise.all(outside.map((path) => rm(path, { recursive: true, force: true })));
});

const runStatus = () => studio.catalog.workspace({ ...entryOf(studio) })!.ledger.run(studio.runId)?.status;
const entryOf = (workspace: StudioWorkspace) => ({
  id: workspace.campaignId,
  configPath: workspace.project.configPath,
  configFile: 'atelier.yaml',
  projectDirectory: workspace.project.directory,
  relativePath: 'atelier.yaml',
});

describe('studio: cross-site writes', () => {
  const writes = () => [`${runPath}/resume`, `${runPath}/stop`, `/api/campaigns/${studio.campaignId}/runs`];

  it('refuses a form post from a sandboxed iframe (Origin: null) on every mutating route', async () => {
    for (const path of [...writes(), `${runPath}/reviews`]) {
      const response = await studio.app.request(path, {
        method: 'POST',
        headers: { Origin: 'null', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'fresh=true',
      });
      expect(response.status, path).toBe(403);
      // Declared JSON does not make a null origin same-site.
      const json = await studio.post(path, {}, { Origin: 'null' });
      expect(json.status, path).toBe(403);
    }
    expect(runStatus()).toBe('completed');
    expect(studio.runs.active()).toEqual([]);
  });

  it('refuses a cross-site fetch by Sec-Fetch-Site even without an Origin', async () => {
    for (const path of writes()) {
      const response = await studio.post(path, {}, { 'Sec-Fetch-Site': 'cross-site' });
      expect(response.status, path).toBe(403);
    }
  });

  it('requires a JSON body on every mutating route, the ones that read none too', async () => {
    for (const path of writes()) {
      for (const type of [undefined, 'text/plain', 'multipart/form-data; boundary=x']) {
        const response = await studio.app.request(path, {
          method: 'POST',
          headers: type ? { 'Content-Type': type } : {},
          body: '{}',
        });
        expect(response.status, `${path} ${type}`).toBe(415);
        expect(await response.json()).toEqual({ error: 'Expected Content-Type: application/json' });
      }
    }
    expect(studio.runs.active()).toEqual([]);
  });

  it('lets the studio itself through', async () => {
    const host = 'localhost:4178';
    const stop = await studio.post(`${runPath}/stop`, {}, { Host: host, Origin: `http://${host}` });
    // Past the guard: the run is not running, so there is nothing to stop.
    expect(stop.status).toBe(404);
    const sameOrigin = await studio.post(`${runPath}/stop`, {}, { 'Sec-Fetch-Site': 'same-origin' });
    expect(sameOrigin.status).toBe(404);
  });
});

describe('studio: links out of the run folder', () => {
  it('neither serves nor exports a manifest that is a link to a file outside the project', async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), 'atelier-outside-'));
    outside.push(elsewhere);
    const secret = join(elsewhere, 'secret.json');
    await writeFile(secret, JSON.stringify({ secret: 'outside the project' }));
    const runDirectory = join(studio.project.directory, 'runs', studio.runId);
    const manifests = (await readdir(runDirectory, { recursive: true })).filter(
      (name) => name.startsWith('tulips') && name.endsWith('01-compose.png.json'),
    );
    expect(manifests).toHaveLength(2);
    for (const manifest of manifests) {
      await rm(join(runDirectory, manifest));
      await symlink(secret, join(runDirectory, manifest));
    }

    const detail = await studio.app.request(`${runPath}/chains/tulips/0`);
    expect(detail.status).toBe(200);
    const text = await detail.text();
    expect(text).not.toContain('outside the project');
    const compose = JSON.parse(text).outputs.find((output: { stage: string }) => output.stage === 'compose');
    expect(compose.manifest).toBeNull();

    const approve = await studio.post(`${runPath}/reviews`, {
      shotId: 'tulips',
      seedIndex: 0,
      decision: 'approve',
      reviewer: 'Ana',
    });
    expect(approve.status).toBe(201);
    const zip = await studio.app.request(`${runPath}/export.zip`);
    expect(zip.status).toBe(200);
    const files = unzipSync(new Uint8Array(await zip.arrayBuffer()));
    const packed = Object.entries(files).filter(([name]) => name.endsWith('01-compose.png.json'));
    expect(packed).toHaveLength(1);
    const manifest = JSON.parse(new TextDecoder().decode(packed[0]![1]));
    expect(manifest).toMatchObject({ reconstructed: true, shot: 'tulips' });
    expect(manifest.secret).toBeUndefined();
  });
});

describe('studio: links out of the workspace', () => {
  it('lists no campaign whose config is a link to a file outside the workspace', async () => {
    const workspace = await mkdtemp(join(tmpdir(), 'atelier-workspace-'));
    const elsewhere = await mkdtemp(join(tmpdir(), 'atelier-outside-'));
    outside.push(workspace, elsewhere);
    await mkdir(join(workspace, 'real'));
    await mkdir(join(workspace, 'linked'));
    await cp(studio.project.configPath, join(workspace, 'real', 'atelier.yaml'));
    await cp(studio.project.configPath, join(elsewhere, 'atelier.yaml'));
    await symlink(join(elsewhere, 'atelier.yaml'), join(workspace, 'linked', 'atelier.yaml'));
    // A link that stays inside the workspace is fine.
    await mkdir(join(workspace, 'alias'));
    await symlink(join(workspace, 'real', 'atelier.yaml'), join(workspace, 'alias', 'atelier.yaml'));
    expect((await discoverCampaigns(workspace)).map((entry) => entry.id)).toEqual(['alias', 'real']);
  });
});

describe('studio: completed runs', () => {
  it('refuses to resume a completed run, saying so, and leaves its status alone', async () => {
    const response = await studio.post(`${runPath}/resume`, {});
    expect(response.status).toBe(409);
    expect(await response.json()).toMatchObject({
      code: 'RUN_COMPLETED',
      error: expect.stringContaining('is completed: every image is done, so there is nothing to resume'),
    });
    expect(studio.runs.active()).toEqual([]);
    expect((await studio.post(`${runPath}/stop`, {})).status).toBe(404);
    expect(runStatus()).toBe('completed');
  });
});

describe('studio: tokens', () => {
  const token = 'correct-horse-battery-staple';

  it('lets a correct ?token= link win over a stale cookie, and replaces the cookie', async () => {
    const app = createStudioApp({ catalog: studio.catalog, runs: studio.runs, token });
    const stale = { Cookie: 'atelier_studio_token=token-of-an-earlier-studio-on-this-host' };
    expect((await app.request('/api/campaigns', { headers: stale })).status).toBe(401);
    const link = await app.request(`/?token=${token}`, { headers: stale });
    expect(link.status).toBe(303);
    expect(link.headers.get('location')).toBe('/');
    expect(link.headers.get('set-cookie')).toMatch(new RegExp(`^atelier_studio_token=${token};.*HttpOnly`));
    const fresh = { Cookie: link.headers.get('set-cookie')!.split(';')[0]! };
    expect((await app.request('/api/campaigns', { headers: fresh })).status).toBe(200);
    // A bearer header is explicit too.
    const bearer = await app.request('/api/campaigns', {
      headers: { ...stale, Authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    // A wrong link is refused even with a right cookie: the link said what to use.
    expect((await app.request('/?token=wrong-token-wrong-token', { headers: fresh })).status).toBe(401);
  });

  it('keeps one cookie per port, so two studios on one host do not log each other out', async () => {
    const first = createStudioApp({ catalog: studio.catalog, runs: studio.runs, token });
    const second = createStudioApp({ catalog: studio.catalog, runs: studio.runs, token: `${token}-two` });
    const at = (port: number) => ({ host: `localhost:${port}` });
    const firstLink = await first.request(`http://localhost:4100/?token=${token}`, { headers: at(4100) });
    const secondLink = await second.request(`http://localhost:4200/?token=${token}-two`, {
      headers: at(4200),
    });
    const firstCookie = firstLink.headers.get('set-cookie')!.split(';')[0]!;
    const secondCookie = secondLink.headers.get('set-cookie')!.split(';')[0]!;
    expect(firstCookie).toBe(`atelier_studio_token_4100=${token}`);
    expect(secondCookie).toBe(`atelier_studio_token_4200=${token}-two`);
    // The browser sends both cookies to both ports: each studio reads its own.
    const both = `${firstCookie}; ${secondCookie}`;
    const read = (app: typeof first, port: number) =>
      app.request(`http://localhost:${port}/api/campaigns`, { headers: { ...at(port), Cookie: both } });
    expect((await read(first, 4100)).status).toBe(200);
    expect((await read(second, 4200)).status).toBe(200);
  });

  it('refuses a token shorter than 16 characters', async () => {
    expect(() => createStudioApp({ catalog: studio.catalog, runs: studio.runs, token: 'tok-123' })).toThrow(
      /has 7 characters; it needs at least 16/,
    );
    await expect(
      startStudio({ workspaceDirectory: studio.project.directory, host: '0.0.0.0', port: 0, token: 'short' }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', exitCode: 2 });
    expect(() =>
      createStudioApp({ catalog: studio.catalog, runs: studio.runs, token: 'x'.repeat(16) }),
    ).not.toThrow();
  });
});

describe('studio: history follows the project', () => {
  it('shows the runs of a project that was moved or copied', async () => {
    const copy = join(await mkdtemp(join(tmpdir(), 'atelier-moved-')), 'spring launch');
    outside.push(copy);
    await cp(studio.project.directory, copy, { recursive: true });
    const catalog = new CampaignCatalog(copy);
    const runs = new RunManager();
    try {
      const app = createStudioApp({ catalog, runs });
      const { campaigns } = await json(app.request('/api/campaigns'));
      expect(campaigns).toHaveLength(1);
      expect(campaigns[0].runs.map((run: { id: string }) => run.id)).toEqual([studio.runId]);
      const moved = `/api/campaigns/${campaigns[0].id}/runs/${studio.runId}`;
      const gallery = await app.request(moved);
      expect(gallery.status).toBe(200);
      expect((await json(gallery)).chains).toHaveLength(2);
      const detail = await json(app.request(`${moved}/chains/tulips/1`));
      expect(detail.otherRuns.map((run: { id: string }) => run.id)).toEqual([studio.runId]);
      const metrics = await json(app.request('/api/metrics'));
      expect(metrics.campaigns.map((entry: { id: string }) => entry.id)).toEqual([campaigns[0].id]);
    } finally {
      await runs.close();
      catalog.close();
    }
  });
});
