import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { LoadedCampaign } from '../config/load-campaign.ts';
import { AtelierError, type AtelierErrorCode, describeError } from '../errors.ts';
import type { RunRecord } from '../ledger/ledger.ts';
import { requireResumable } from '../pipeline/run-campaign.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import type {
  ActiveRunResponse,
  ApiErrorBody,
  CampaignListResponse,
  MetricsResponse,
  ReviewResponse,
  RunGalleryResponse,
} from './api-types.ts';
import { approvedSetZip, collectApprovedSet } from './approved-set-export.ts';
import { serveArtifact } from './artifact-route.ts';
import type { CampaignCatalog, CampaignEntry } from './campaign-catalog.ts';
import { openEventStream } from './event-stream.ts';
import { campaignMetrics, mergeModelApprovals } from './review-metrics.ts';
import { describeIssues, reviewRequestSchema } from './review-request.ts';
import type { RunManager } from './run-manager.ts';
import { loadStaticAssets, type StaticAsset } from './static-assets.ts';
import { type AccessOptions, sameSiteWrites, studioAccess } from './studio-access.ts';
import {
  type CurrentConfig,
  campaignRun,
  chainDetail,
  describeCampaign,
  runGallery,
} from './studio-views.ts';

export interface StudioAppOptions extends AccessOptions {
  catalog: CampaignCatalog;
  runs: RunManager;
  /** The clock reviews are stamped with (tests pass a fake one). */
  now?: () => Date;
  /** Ends open event streams when the studio shuts down. */
  shutdown?: AbortSignal;
}

const statusByCode: Partial<Record<AtelierErrorCode, ContentfulStatusCode>> = {
  CONFIG_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  ARTIFACT_MISSING: 404,
  CONFIG_INVALID: 422,
  MODEL_UNAVAILABLE: 422,
  LOCK_INVALID: 422,
  LOCK_MISMATCH: 409,
  RUN_MISMATCH: 409,
  RUN_IN_PROGRESS: 409,
  RUN_COMPLETED: 409,
  INVALID_ARGUMENT: 400,
};

const contentSecurityPolicy = [
  "default-src 'self'",
  "img-src 'self' data: blob:",
  "style-src 'self'",
  "script-src 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/**
 * The studio's HTTP app: the front end, the JSON API, the event stream and artifact files.
 * Built on Hono so it is tested in-process with `app.request(...)`.
 *
 * @example
 * const app = createStudioApp({ catalog: new CampaignCatalog('.'), runs: new RunManager() });
 * const response = await app.request('/api/campaigns');
 */
export function createStudioApp(options: StudioAppOptions): Hono {
  const { catalog, runs } = options;
  const now = options.now ?? (() => new Date());
  const assets = loadStaticAssets();
  const app = new Hono();

  app.use('*', studioAccess(options));
  app.use('*', sameSiteWrites());
  app.use('*', async (context, next) => {
    await next();
    context.header('X-Content-Type-Options', 'nosniff');
    context.header('Referrer-Policy', 'no-referrer');
    if (context.res.headers.get('content-type')?.startsWith('text/html'))
      context.header('Content-Security-Policy', contentSecurityPolicy);
  });
  app.onError((error, context) => {
    if (error instanceof HTTPException) {
      return context.json(
        { error: error.message || 'Request refused' },
        error.status as ContentfulStatusCode,
      );
    }
    if (AtelierError.isInstance(error)) {
      return context.json(
        { error: error.message, code: error.code, details: error.details } satisfies ApiErrorBody,
        statusByCode[error.code] ?? 500,
      );
    }
    process.stderr.write(`studio: ${describeError(error)}\n`);
    if (process.env.ATELIER_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
    return context.json({ error: 'Internal error in the studio; see its terminal output' }, 500);
  });
  app.notFound((context) =>
    context.req.path.startsWith('/api/')
      ? context.json({ error: 'Not found' }, 404)
      : context.text('Not found', 404),
  );

  // Front end.
  const page = (context: Context) => sendAsset(context, assets.get('index.html')!);
  app.get('/', page);
  app.get('/assets/:name{[a-z0-9-]+\\.(?:js|css|svg)}', (context) => {
    const asset = assets.get(context.req.param('name'));
    return asset ? sendAsset(context, asset) : context.text('Not found', 404);
  });
  app.get('/assets/fonts/:name{[a-z0-9-]+\\.woff2}', (context) => {
    const asset = assets.get(`fonts/${context.req.param('name')}`);
    return asset ? sendAsset(context, asset) : context.text('Not found', 404);
  });

  app.get('/artifacts/:campaign/:sha256', (context) => serveArtifact(context, catalog));

  app.get('/api/events', (context) => openEventStream(context, runs, options.shutdown));

  app.get('/api/campaigns', async (context) => {
    const entries = await catalog.list();
    return context.json({
      campaigns: await Promise.all(entries.map((entry) => describeCampaign(entry, catalog, runs))),
    } satisfies CampaignListResponse);
  });

  app.get('/api/campaigns/:campaign', async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    return context.json(await describeCampaign(entry, catalog, runs));
  });

  app.post('/api/campaigns/:campaign/runs', bodyLimit({ maxSize: 4096 }), async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    const body = await jsonBody(context);
    if (body instanceof Response) return body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      return badRequest(context, ['body: expected a JSON object']);
    const { fresh = true, ...rest } = body as { fresh?: unknown };
    if (typeof fresh !== 'boolean' || Object.keys(rest).length > 0)
      return badRequest(context, ['body: expected {"fresh"?: boolean}']);
    await requireValidConfig(entry);
    const active = await runs.start(entry, { fresh });
    return context.json({ run: active } satisfies ActiveRunResponse, 202);
  });

  app.post('/api/campaigns/:campaign/runs/:run/resume', async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    const run = requireRun(entry, context.req.param('run'));
    requireResumable(run);
    await requireValidConfig(entry);
    const active = await runs.start(entry, { resume: run.id });
    return context.json({ run: active } satisfies ActiveRunResponse, 202);
  });

  app.post('/api/campaigns/:campaign/runs/:run/stop', async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    const stopping = runs.stop(entry.id, context.req.param('run'));
    if (!stopping)
      return context.json({ error: `Run ${context.req.param('run')} is not running in this studio` }, 404);
    return context.json({ run: stopping } satisfies ActiveRunResponse, 202);
  });

  app.get('/api/campaigns/:campaign/runs/:run', async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    const run = requireRun(entry, context.req.param('run'));
    const current = await currentConfig(entry, run);
    const active = runs.activeFor(entry.id);
    return context.json({
      campaign: { id: entry.id, name: run.campaign, relativePath: entry.relativePath },
      current: current !== undefined,
      active: active?.runId === run.id ? active : null,
      ...runGallery(catalog, entry, run, current),
    } satisfies RunGalleryResponse);
  });

  app.get('/api/campaigns/:campaign/runs/:run/chains/:shot/:seedIndex{[0-9]+}', async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    const run = requireRun(entry, context.req.param('run'));
    const shotId = context.req.param('shot');
    const seedIndex = Number(context.req.param('seedIndex'));
    const current = await currentConfig(entry, run);
    const chain = runGallery(catalog, entry, run, current).chains.find(
      (candidate) => candidate.shotId === shotId && candidate.seedIndex === seedIndex,
    );
    if (!chain)
      return context.json({ error: `No shot "${shotId}" at seed index ${seedIndex} in run ${run.id}` }, 404);
    return context.json(await chainDetail(catalog, entry, run, chain, current));
  });

  app.post(
    '/api/campaigns/:campaign/runs/:run/reviews',
    bodyLimit({ maxSize: 16 * 1024 }),
    async (context) => {
      const entry = await catalog.require(context.req.param('campaign'));
      const run = requireRun(entry, context.req.param('run'));
      const body = await jsonBody(context);
      if (body instanceof Response) return body;
      const parsed = reviewRequestSchema.safeParse(body);
      if (!parsed.success) return badRequest(context, describeIssues(parsed.error));
      const request = parsed.data;
      const workspace = catalog.workspace(entry)!;
      const chain = runGallery(catalog, entry, run).chains.find(
        (candidate) => candidate.shotId === request.shotId && candidate.seedIndex === request.seedIndex,
      );
      if (!chain) {
        return context.json(
          { error: `No shot "${request.shotId}" at seed index ${request.seedIndex} in run ${run.id}` },
          404,
        );
      }
      if (chain.status !== 'succeeded' || !chain.image) {
        return badRequest(context, [
          `${request.shotId}: only finished images can be reviewed (this one is ${chain.status})`,
        ]);
      }
      if (request.sha256 && request.sha256 !== chain.image.sha256) {
        return context.json({ error: 'The image changed since it was shown; reload and review again' }, 409);
      }
      const review = workspace.ledger.addReview({
        runId: run.id,
        shotId: request.shotId,
        seedIndex: request.seedIndex,
        sha256: chain.image.sha256,
        decision: request.decision as 'approve' | 'reject' | 'comment',
        reviewer: request.reviewer,
        comment: request.comment ?? null,
        createdAt: now().toISOString(),
      });
      runs.publish({ type: 'review', campaignId: entry.id, runId: run.id, review });
      return context.json({ review } satisfies ReviewResponse, 201);
    },
  );

  app.get('/api/campaigns/:campaign/runs/:run/export.zip', async (context) => {
    const entry = await catalog.require(context.req.param('campaign'));
    const run = requireRun(entry, context.req.param('run'));
    const workspace = catalog.workspace(entry)!;
    const set = await collectApprovedSet(workspace, run.id);
    if (set.images.length === 0)
      return context.json({ error: `No approved images in run ${run.id} yet` }, 409);
    const chunks = approvedSetZip(workspace, set, now());
    const stream = new ReadableStream<Uint8Array>({
      async pull(controller) {
        try {
          const next = await chunks.next();
          if (next.done) controller.close();
          else controller.enqueue(next.value);
        } catch (error) {
          controller.error(error);
        }
      },
      async cancel() {
        await chunks.return(undefined);
      },
    });
    return context.body(stream, 200, {
      'Content-Type': 'application/zip',
      'Content-Disposition': `attachment; filename="${set.folder}.zip"`,
      'Cache-Control': 'no-store',
    });
  });

  app.get('/api/metrics', async (context) => {
    const campaigns = [];
    for (const entry of await catalog.list()) {
      const workspace = catalog.workspace(entry);
      if (!workspace) continue;
      const { loaded, configSha256 } = await catalog.load(entry);
      // Computed once per change of the ledger (a review, a finished job) or of the config.
      const metrics = catalog.views(entry)!.get(`metrics:${entry.configFile}:${configSha256 ?? ''}`, () =>
        campaignMetrics(workspace.ledger, entry.configFile, {
          campaign: loaded?.campaign.campaign,
          shotIds: loaded?.campaign.shots.map((shot) => shot.id),
          stages: stageCatalog(),
          gallery: (run) => runGallery(catalog, entry, run),
        }),
      );
      if (metrics.shots.length > 0) campaigns.push({ id: entry.id, ...metrics });
    }
    return context.json({
      campaigns,
      models: mergeModelApprovals(campaigns.flatMap((entry) => entry.models)),
    } satisfies MetricsResponse);
  });

  return app;

  function requireRun(entry: CampaignEntry, runId: string): RunRecord {
    const run = campaignRun(catalog, entry, runId);
    if (!run) throw new AtelierError('RUN_NOT_FOUND', `No run "${runId}" for campaign "${entry.id}"`);
    return run;
  }

  async function requireValidConfig(entry: CampaignEntry): Promise<LoadedCampaign> {
    const result = await catalog.load(entry);
    if (result.error !== undefined) {
      const [message, ...details] = result.error.split('\n');
      throw new AtelierError('CONFIG_INVALID', message!, { details });
    }
    return result.loaded;
  }

  /** The campaign as configured now, if the run was made from exactly this config. */
  async function currentConfig(entry: CampaignEntry, run: RunRecord): Promise<CurrentConfig | undefined> {
    const { loaded, configSha256 } = await catalog.load(entry);
    return loaded && configSha256 === run.configSha256
      ? { campaign: loaded.campaign, configSha256 }
      : undefined;
  }
}

function sendAsset(context: Context, asset: StaticAsset): Response {
  const headers = {
    ETag: asset.etag,
    'Cache-Control': asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  };
  if (context.req.header('if-none-match') === asset.etag) return context.body(null, 304, headers);
  return context.body(asset.bytes as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'Content-Type': asset.mediaType,
  });
}

/** The parsed JSON body (its content type was checked by `sameSiteWrites`), or a 400 saying why not. */
async function jsonBody(context: Context): Promise<unknown> {
  const text = await context.req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    return badRequest(context, ['body: not valid JSON']);
  }
}

function badRequest(context: Context, details: string[]): Response {
  return context.json({ error: `Invalid request: ${details[0]}`, details } satisfies ApiErrorBody, 400);
}
