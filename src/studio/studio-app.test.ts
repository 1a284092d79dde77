import { rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudioWorkspace, type StudioWorkspace } from '../../test/helpers/studio-workspace.ts';
import { smallCampaign } from '../../test/helpers/temp-project.ts';
import { FileArtifactStore } from '../store/artifact-store.ts';
import { sha256 } from '../util/canonical-json.ts';
import type { RunGallery } from './run-gallery.ts';
import { startStudio } from './start-studio.ts';

// 5 images (tulips x2, bottle x1, meadow x2) through compose and export; compose is large
// enough that a 320 px preview is a real downscale.
const config = () =>
  smallCampaign({
    pipeline: {
      seeds: 2,
      stages: [
        { stage: 'compose', size: '480x384' },
        {
          stage: 'export',
          formats: ['png', 'webp'],
          crops: [
            { aspect: '4:5', size: '80x100' },
            { aspect: '16:9', size: '160x90' },
          ],
        },
      ],
    },
  });

const json = async (response: Response | Promise<Response>): Promise<any> => (await response).json();

let studio: StudioWorkspace;
let runPath: string;
let gallery: RunGallery;

beforeAll(async () => {
  studio = await createStudioWorkspace(config(), { now: () => new Date('2030-01-01T12:00:00.000Z') });
  runPath = `/api/campaigns/${studio.campaignId}/runs/${studio.runId}`;
  gallery = await json(studio.app.request(runPath));
});
afterAll(async () => {
  await studio.close();
});

const reviewCount = () => studio.catalog.workspace({ ...firstEntry() })!.ledger.reviews().length;
const firstEntry = () => ({
  id: studio.campaignId,
  configPath: studio.project.configPath,
  configFile: 'atelier.yaml',
  projectDirectory: studio.project.directory,
  relativePath: 'atelier.yaml',
});

describe('studio API: briefs and gallery', () => {
  it('lists the campaign with its shots, stages and runs', async () => {
    const response = await studio.app.request('/api/campaigns');
    expect(response.status).toBe(200);
    const { campaigns } = await json(response);
    expect(campaigns).toHaveLength(1);
    expect(campaigns[0]).toMatchObject({
      id: studio.campaignId,
      name: 'test-campaign',
      error: null,
      stages: ['compose', 'export'],
      models: { compose: 'builtin:draft' },
      runs: [{ id: studio.runId, status: 'completed', current: true, chains: 5, succeeded: 5 }],
    });
    expect(campaigns[0].shots.map((shot: { id: string; seeds: number }) => [shot.id, shot.seeds])).toEqual([
      ['tulips', 2],
      ['bottle', 1],
      ['meadow', 2],
    ]);
  });

  it('builds the gallery from the ledger: every image with its stage strip', async () => {
    expect(gallery.stages).toEqual(['compose', 'export']);
    expect(gallery.chains).toHaveLength(5);
    const workspace = studio.catalog.workspace(firstEntry())!;
    for (const chain of gallery.chains) {
      expect(chain.status).toBe('succeeded');
      const compose = workspace.ledger
        .jobs(studio.runId)
        .find(
          (job) => job.shotId === chain.shotId && job.seedIndex === chain.seedIndex && job.stageIndex === 0,
        )!;
      expect(chain.image?.sha256).toBe(compose.outputs[0]!.sha256);
      expect(chain.stages.map((cell) => cell.stage)).toEqual(['compose', 'export']);
      expect(chain.stages[1]!.outputs.length).toBe(chain.shotId === 'meadow' ? 2 : 4);
      expect(chain.readyAt).toBe(chain.stages[1]!.finishedAt);
    }
    expect(gallery.counts).toMatchObject({ succeeded: 5, unreviewed: 5, approved: 0 });
  });

  it('shows one image in detail with its manifests, lock entry and other runs', async () => {
    const response = await studio.app.request(`${runPath}/chains/tulips/1`);
    expect(response.status).toBe(200);
    const detail = await json(response);
    expect(detail.chain).toMatchObject({
      shotId: 'tulips',
      seedIndex: 1,
      prompt: 'spring tulips in morning light',
    });
    expect(detail.run.lock.models.compose).toMatchObject({ reference: 'builtin:draft' });
    const compose = detail.outputs.find((output: { stage: string }) => output.stage === 'compose');
    expect(compose.fileName).toBe('01-compose.png');
    expect(compose.manifest).toMatchObject({
      shot: 'tulips',
      seed: detail.chain.seed,
      prompt: 'spring tulips in morning light',
      output: { sha256: detail.chain.image.sha256 },
    });
    expect(detail.otherRuns.map((run: { id: string }) => run.id)).toEqual([studio.runId]);
    expect((await studio.app.request(`${runPath}/chains/tulips/7`)).status).toBe(404);
  });
});

describe('studio API: reviews', () => {
  it('records approve, reject and comment with reviewer and time, and keeps the history', async () => {
    const bottle = gallery.chains.find((chain) => chain.shotId === 'bottle')!;
    const approve = await studio.post(`${runPath}/reviews`, {
      shotId: 'bottle',
      seedIndex: 0,
      decision: 'approve',
      reviewer: '  Ana  ',
      sha256: bottle.image!.sha256,
    });
    expect(approve.status).toBe(201);
    expect((await json(approve)).review).toMatchObject({
      decision: 'approve',
      reviewer: 'Ana',
      sha256: bottle.image!.sha256,
      createdAt: '2030-01-01T12:00:00.000Z',
    });
    const comment = await studio.post(`${runPath}/reviews`, {
      shotId: 'bottle',
      seedIndex: 0,
      decision: 'comment',
      reviewer: 'Ben',
      comment: 'logo a touch smaller next time',
    });
    expect(comment.status).toBe(201);

    const after: RunGallery = await json(studio.app.request(runPath));
    const reviewed = after.chains.find((chain) => chain.shotId === 'bottle')!;
    expect(reviewed.decision).toMatchObject({ decision: 'approve', reviewer: 'Ana' });
    expect(reviewed.comments).toBe(1);
    const detail = await json(studio.app.request(`${runPath}/chains/bottle/0`));
    expect(detail.history.map((entry: { decision: string }) => entry.decision)).toEqual([
      'approve',
      'comment',
    ]);
  });

  const invalid: Array<[string, unknown, number]> = [
    ['an unknown decision', { shotId: 'tulips', seedIndex: 0, decision: 'maybe', reviewer: 'Ana' }, 400],
    ['no reviewer', { shotId: 'tulips', seedIndex: 0, decision: 'approve' }, 400],
    ['a blank reviewer', { shotId: 'tulips', seedIndex: 0, decision: 'approve', reviewer: '   ' }, 400],
    ['a negative seed index', { shotId: 'tulips', seedIndex: -1, decision: 'approve', reviewer: 'Ana' }, 400],
    ['a seed index as text', { shotId: 'tulips', seedIndex: '0', decision: 'approve', reviewer: 'Ana' }, 400],
    [
      'an unknown field',
      { shotId: 'tulips', seedIndex: 0, decision: 'approve', reviewer: 'Ana', admin: true },
      400,
    ],
    ['a comment without text', { shotId: 'tulips', seedIndex: 0, decision: 'comment', reviewer: 'Ana' }, 400],
    ['a path as shot id', { shotId: '../../etc', seedIndex: 0, decision: 'approve', reviewer: 'Ana' }, 400],
    [
      'control characters',
      { shotId: 'tulips', seedIndex: 0, decision: 'approve', reviewer: 'A\u0000na' },
      400,
    ],
    [
      'a malformed sha256',
      { shotId: 'tulips', seedIndex: 0, decision: 'approve', reviewer: 'Ana', sha256: 'x' },
      400,
    ],
    ['an array', [{ shotId: 'tulips' }], 400],
    ['broken JSON', '{"shotId": "tulips",', 400],
    ['an unknown shot', { shotId: 'orchids', seedIndex: 0, decision: 'approve', reviewer: 'Ana' }, 404],
    [
      'a seed index the shot does not have',
      { shotId: 'bottle', seedIndex: 1, decision: 'approve', reviewer: 'Ana' },
      404,
    ],
    [
      'an image that is not the one in the run',
      { shotId: 'tulips', seedIndex: 0, decision: 'approve', reviewer: 'Ana', sha256: 'a'.repeat(64) },
      409,
    ],
  ];
  it.each(invalid)('refuses %s and writes nothing', async (_name, body, status) => {
    const before = reviewCount();
    const response = await studio.post(`${runPath}/reviews`, body);
    expect(response.status).toBe(status);
    expect((await json(response)).error).toEqual(expect.any(String));
    expect(reviewCount()).toBe(before);
  });

  it('refuses a body that is not JSON, an unknown run, and a cross-origin post, writing nothing', async () => {
    const before = reviewCount();
    const body = { shotId: 'tulips', seedIndex: 0, decision: 'approve', reviewer: 'Ana' };
    const plain = await studio.app.request(`${runPath}/reviews`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: JSON.stringify(body),
    });
    expect(plain.status).toBe(415);
    const unknownRun = await studio.post(
      `/api/campaigns/${studio.campaignId}/runs/20000101-000000-000000/reviews`,
      body,
    );
    expect(unknownRun.status).toBe(404);
    const crossOrigin = await studio.post(`${runPath}/reviews`, body, { Origin: 'http://evil.example' });
    expect(crossOrigin.status).toBe(403);
    const huge = await studio.post(`${runPath}/reviews`, {
      ...body,
      decision: 'comment',
      comment: 'x'.repeat(20_000),
    });
    expect(huge.status).toBe(413);
    expect(reviewCount()).toBe(before);
  });
});

describe('studio API: export', () => {
  it('zips exactly the approved images with their crops and manifests', async () => {
    const tulips = gallery.chains.filter((chain) => chain.shotId === 'tulips');
    const meadow = gallery.chains.find((chain) => chain.shotId === 'meadow' && chain.seedIndex === 0)!;
    for (const [chain, decision] of [
      [tulips[0]!, 'approve'],
      [tulips[1]!, 'reject'],
      [meadow, 'approve'],
    ] as const) {
      const response = await studio.post(`${runPath}/reviews`, {
        shotId: chain.shotId,
        seedIndex: chain.seedIndex,
        decision,
        reviewer: 'Ana',
      });
      expect(response.status).toBe(201);
    }
    const response = await studio.app.request(`${runPath}/export.zip`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toMatch(/attachment; filename=".+-approved\.zip"/);
    const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
    const folder = `test-campaign-${studio.runId}-approved`;
    const index = JSON.parse(new TextDecoder().decode(entries[`${folder}/approved.json`]!));
    // bottle was approved in the reviews test above; tulips #0 and meadow #0 here.
    const approved = [gallery.chains.find((chain) => chain.shotId === 'bottle')!, tulips[0]!, meadow].sort(
      (a, b) => a.shotId.localeCompare(b.shotId),
    );
    expect(index.images.map((image: { shot: string; seed: number }) => [image.shot, image.seed])).toEqual(
      approved.map((chain) => [chain.shotId, chain.seed]),
    );
    const images = Object.keys(entries).filter((name) => !name.endsWith('.json'));
    const chainFolders = new Set(images.map((name) => name.split('/').slice(1, 3).join('/')));
    expect([...chainFolders].sort()).toEqual(
      approved.map((chain) => `${chain.shotId}/seed-${chain.seed}`).sort(),
    );
    expect(images.some((name) => name.includes(`/seed-${tulips[1]!.seed}/`))).toBe(false);
    for (const chain of approved) {
      const base = `${folder}/${chain.shotId}/seed-${chain.seed}`;
      const crops = chain.shotId === 'meadow' ? 2 : 4;
      const files = images.filter((name) => name.startsWith(`${base}/`));
      expect(files).toHaveLength(1 + crops);
      expect(sha256(entries[`${base}/01-compose.png`]!)).toBe(chain.image!.sha256);
      for (const file of files) {
        const manifest = JSON.parse(new TextDecoder().decode(entries[`${file}.json`]!));
        expect(manifest.output.sha256).toBe(sha256(entries[file]!));
        expect(manifest).toMatchObject({ run: studio.runId, shot: chain.shotId, seed: chain.seed });
      }
    }
  });

  it('answers 404 before sending anything when an approved image is missing from the store', async () => {
    const other = await createStudioWorkspace(smallCampaign({ shots: [{ id: 'solo', prompt: 'one shot' }] }));
    try {
      const path = `/api/campaigns/${other.campaignId}/runs/${other.runId}`;
      const { chains } = await json(other.app.request(path));
      expect(
        (
          await other.post(`${path}/reviews`, {
            shotId: 'solo',
            seedIndex: 0,
            decision: 'approve',
            reviewer: 'Ana',
          })
        ).status,
      ).toBe(201);
      const store = new FileArtifactStore(join(other.project.directory, '.atelier', 'artifacts'));
      await rm(store.pathOf(chains[0].image.sha256));
      const response = await other.app.request(`${path}/export.zip`);
      expect(response.status).toBe(404);
      expect((await json(response)).code).toBe('ARTIFACT_MISSING');
    } finally {
      await other.close();
    }
  });

  it('answers 409 when nothing is approved yet', async () => {
    const other = await createStudioWorkspace(smallCampaign({ shots: [{ id: 'solo', prompt: 'one shot' }] }));
    try {
      const response = await other.app.request(
        `/api/campaigns/${other.campaignId}/runs/${other.runId}/export.zip`,
      );
      expect(response.status).toBe(409);
    } finally {
      await other.close();
    }
  });
});

describe('studio API: artifacts', () => {
  it('serves an artifact by sha256 with its recorded media type and immutable caching', async () => {
    const image = gallery.chains[0]!.image!;
    const path = `/artifacts/${studio.campaignId}/${image.sha256}`;
    const response = await studio.app.request(path);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('cache-control')).toMatch(/immutable/);
    expect(response.headers.get('etag')).toBe(`"${image.sha256}"`);
    expect(sha256(new Uint8Array(await response.arrayBuffer()))).toBe(image.sha256);

    const again = await studio.app.request(path, { headers: { 'If-None-Match': `"${image.sha256}"` } });
    expect(again.status).toBe(304);

    const crop = gallery.chains[0]!.stages[1]!.outputs.find((output) => output.mediaType === 'image/webp')!;
    const webp = await studio.app.request(`/artifacts/${studio.campaignId}/${crop.sha256}`);
    expect(webp.headers.get('content-type')).toBe('image/webp');

    const preview = await studio.app.request(`${path}?width=320`);
    expect(preview.headers.get('content-type')).toBe('image/webp');
    const metadata = await sharp(new Uint8Array(await preview.arrayBuffer())).metadata();
    expect([metadata.width, metadata.height]).toEqual([320, 256]);
  });

  it('refuses unknown, malformed and out-of-range requests', async () => {
    const image = gallery.chains[0]!.image!;
    expect((await studio.app.request(`/artifacts/${studio.campaignId}/${'0'.repeat(64)}`)).status).toBe(404);
    expect(
      (await studio.app.request(`/artifacts/${studio.campaignId}/${image.sha256.toUpperCase()}`)).status,
    ).toBe(400);
    expect((await studio.app.request(`/artifacts/nope/${image.sha256}`)).status).toBe(404);
    expect(
      (await studio.app.request(`/artifacts/${studio.campaignId}/${image.sha256}?width=4000`)).status,
    ).toBe(400);
  });

  const traversal = (campaign: string, sha: string) => [
    '/artifacts/../../etc/passwd',
    '/artifacts/%2e%2e/%2e%2e/etc/passwd',
    '/artifacts/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
    `/artifacts/${campaign}/..%2f..%2f..%2f..%2fetc%2fpasswd`,
    `/artifacts/${campaign}/%2e%2e%2f%2e%2e%2fatelier.yaml`,
    `/artifacts/${campaign}/..%252f..%252fetc%252fpasswd`,
    `/artifacts/${campaign}/${sha}/../../../../etc/passwd`,
    `/artifacts/${campaign}/${sha}%2f..%2f..%2f..%2fatelier.yaml`,
    `/artifacts/..%2f..%2f/${sha}`,
    '/assets/../../package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/fonts/..%2f..%2f..%2fpackage.json',
  ];

  it('refuses path traversal attempts, plain and encoded', async () => {
    const sha = gallery.chains[0]!.image!.sha256;
    for (const path of traversal(studio.campaignId, sha)) {
      const response = await studio.app.request(path);
      expect([400, 404], path).toContain(response.status);
      const body = await response.text();
      expect(body, path).not.toMatch(/root:|"name": "atelier"|campaign: test-campaign/);
    }
  });

  it('refuses them over a real socket too, where no client normalises the path', async () => {
    const running = await startStudio({ workspaceDirectory: studio.project.directory, port: 0 });
    try {
      const sha = gallery.chains[0]!.image!.sha256;
      for (const path of traversal(studio.campaignId, sha)) {
        const answer = await rawGet(running.port, path);
        expect(answer, path).toMatch(/^HTTP\/1\.1 (400|404)/);
        expect(answer, path).not.toMatch(/root:|"name": "atelier"|campaign: test-campaign/);
      }
    } finally {
      await running.close();
    }
  });
});

describe('studio access', () => {
  it('requires the token on every request, image files included, when one is set', async () => {
    const guarded = await createStudioWorkspace(
      smallCampaign({ shots: [{ id: 'solo', prompt: 'one shot' }] }),
      {
        token: 'correct-horse-battery',
      },
    );
    try {
      const { chains } = await json(
        guarded.app.request(`/api/campaigns/${guarded.campaignId}/runs/${guarded.runId}`, {
          headers: { Authorization: 'Bearer correct-horse-battery' },
        }),
      );
      const [chain] = chains;
      const image = `/artifacts/${guarded.campaignId}/${chain.image.sha256}`;
      for (const path of ['/', '/assets/app.js', '/api/campaigns', '/api/metrics', image]) {
        expect((await guarded.app.request(path)).status, path).toBe(401);
        const wrong = await guarded.app.request(path, { headers: { Authorization: 'Bearer wrong' } });
        expect(wrong.status, path).toBe(401);
        const right = await guarded.app.request(path, {
          headers: { Authorization: 'Bearer correct-horse-battery' },
        });
        expect(right.status, path).toBe(200);
      }
      expect((await guarded.app.request(`${image}?token=wrong`)).status).toBe(401);
      expect((await guarded.post(`/api/campaigns/${guarded.campaignId}/runs`, {})).status).toBe(401);

      // The printed link: sets an HttpOnly cookie and drops the token from the address.
      const link = await guarded.app.request('/?token=correct-horse-battery');
      expect(link.status).toBe(303);
      expect(link.headers.get('location')).toBe('/');
      const cookie = link.headers.get('set-cookie')!;
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Strict/);
      const withCookie = await guarded.app.request(image, { headers: { Cookie: cookie.split(';')[0]! } });
      expect(withCookie.status).toBe(200);
    } finally {
      await guarded.close();
    }
  });

  it('refuses a foreign Host header on loopback (DNS rebinding)', async () => {
    const local = await createStudioWorkspace(
      smallCampaign({ shots: [{ id: 'solo', prompt: 'one shot' }] }),
      {
        allowedHostNames: ['127.0.0.1', 'localhost'],
      },
    );
    try {
      expect((await local.app.request('/api/campaigns', { headers: { Host: 'evil.example' } })).status).toBe(
        403,
      );
      expect(
        (await local.app.request('/api/campaigns', { headers: { Host: '127.0.0.1:4178' } })).status,
      ).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('will not start on a folder that does not exist', async () => {
    await expect(
      startStudio({ workspaceDirectory: join(studio.project.directory, 'missing'), port: 0 }),
    ).rejects.toMatchObject({ code: 'CONFIG_NOT_FOUND' });
  });

  it('will not bind beyond loopback without a token, and enforces it over HTTP', async () => {
    await expect(
      startStudio({ workspaceDirectory: studio.project.directory, host: '0.0.0.0', port: 0 }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
    const running = await startStudio({
      workspaceDirectory: studio.project.directory,
      host: '0.0.0.0',
      port: 0,
      token: 'tok-123-tok-123-tok',
    });
    try {
      expect(running.url).toBe(`http://0.0.0.0:${running.port}/?token=tok-123-tok-123-tok`);
      const base = `http://127.0.0.1:${running.port}`;
      expect((await fetch(`${base}/api/campaigns`)).status).toBe(401);
      expect(
        (await fetch(`${base}/api/campaigns`, { headers: { Authorization: 'Bearer tok-123-tok-123-tok' } }))
          .status,
      ).toBe(200);
    } finally {
      await running.close();
    }
  });
});

describe('studio front end and events', () => {
  it('serves the page with a strict content security policy and no third-party origins', async () => {
    const page = await studio.app.request('/');
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/default-src 'self'/);
    const html = await page.text();
    for (const asset of ['app.js', 'studio.css']) expect(html).toContain(`/assets/${asset}`);
    expect(html).not.toMatch(/https?:\/\//);
    const script = await studio.app.request('/assets/app.js');
    expect(script.headers.get('content-type')).toMatch(/text\/javascript/);
    const font = await studio.app.request('/assets/fonts/inter-latin-400-normal.woff2');
    expect(font.headers.get('content-type')).toBe('font/woff2');
    expect((await studio.app.request('/assets/missing.js')).status).toBe(404);
  });

  it('streams a snapshot, then reviews as they are recorded', async () => {
    const response = await studio.app.request('/api/events');
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const readUntil = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before ${pattern}`);
        text += decoder.decode(value);
      }
    };
    await readUntil(/event: snapshot\ndata: \{"active":\[\]\}/);
    await studio.post(`${runPath}/reviews`, {
      shotId: 'meadow',
      seedIndex: 1,
      decision: 'comment',
      reviewer: 'Ana',
      comment: 'sky too pale',
    });
    await readUntil(/event: studio\ndata: .*"type":"review".*sky too pale/);
    await reader.cancel();
  });
});

function rawGet(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}
