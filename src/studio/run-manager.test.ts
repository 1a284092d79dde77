import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { CampaignCatalog } from './campaign-catalog.ts';
import type { RunGallery } from './run-gallery.ts';
import { RunManager, type StudioEvent } from './run-manager.ts';
import { createStudioApp } from './studio-app.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function studioOver(config: Record<string, unknown> | string) {
  const project: TempProject = await createTempProject(config);
  const catalog = new CampaignCatalog(project.directory);
  const [entry] = await catalog.list();
  const runs = new RunManager();
  const events: StudioEvent[] = [];
  lastEvents = events;
  runs.subscribe((event) => {
    if (event.type !== 'run' || event.event.type !== 'job-progress') events.push(event);
  });
  const app = createStudioApp({ catalog, runs });
  cleanups.push(async () => {
    await runs.close();
    catalog.close();
    await project.cleanup();
  });
  const base = `/api/campaigns/${entry!.id}`;
  const post = (path: string, body: unknown = {}) =>
    Promise.resolve(
      app.request(`${base}${path}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  const gallery = async (runId: string): Promise<RunGallery> =>
    (await app.request(`${base}/runs/${runId}`)).json() as never;
  return { project, app, runs, events, post, gallery };
}

async function waitFor(
  condition: () => boolean,
  timeoutMs = 30_000,
  explain = () => JSON.stringify(lastEvents.slice(-8)),
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out ${explain()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let lastEvents: StudioEvent[] = [];
const finished = (events: StudioEvent[], runId: string) =>
  events.some(
    (event) =>
      event.type === 'run-state' &&
      event.runId === runId &&
      (event.state === 'finished' || event.state === 'stopped'),
  );

/** A campaign slow enough to stop part-way: eight shots rendered one at a time at 1024 px. */
const slowCampaign = () =>
  smallCampaign({
    pipeline: { seeds: 1, concurrency: 1, stages: [{ stage: 'compose', size: '1024x1024' }] },
    shots: Array.from({ length: 8 }, (_, index) => ({
      id: `shot-${index}`,
      prompt: `still life number ${index}`,
    })),
  });

describe('one-click runs', () => {
  it('renders a brief in a child process, streams its events and records the run', async () => {
    const studio = await studioOver(smallCampaign());
    const response = await studio.post('/runs', {});
    expect(response.status).toBe(202);
    const { run } = (await response.json()) as { run: { runId: string; totalJobs: number } };
    expect(run.totalJobs).toBe(10);
    await waitFor(() => finished(studio.events, run.runId));

    const runEvents = studio.events.flatMap((event) => (event.type === 'run' ? [event.event] : []));
    expect(runEvents.filter((event) => event.type === 'job-finished')).toHaveLength(10);
    expect(runEvents.at(-1)).toMatchObject({ type: 'run-finished', summary: { status: 'completed' } });
    const gallery = await studio.gallery(run.runId);
    expect(gallery.run.status).toBe('completed');
    expect(gallery.chains.map((chain) => chain.status)).toEqual(Array(5).fill('succeeded'));
    expect(studio.runs.active()).toEqual([]);
  });

  it('stops a run after the jobs in flight, refuses a second start meanwhile, and resumes it', async () => {
    const studio = await studioOver(slowCampaign());
    const { run } = (await (await studio.post('/runs')).json()) as { run: { runId: string } };
    expect((await studio.post('/runs')).status).toBe(409);

    await waitFor(() =>
      studio.events.some((event) => event.type === 'run' && event.event.type === 'job-finished'),
    );
    expect((await studio.post(`/runs/${run.runId}/stop`)).status).toBe(202);
    await waitFor(() => finished(studio.events, run.runId));
    const stopped = await studio.gallery(run.runId);
    expect(stopped.run.status).toBe('interrupted');
    const done = stopped.chains.filter((chain) => chain.status === 'succeeded').length;
    expect(done).toBeGreaterThanOrEqual(1);
    expect(done).toBeLessThan(8);

    studio.events.length = 0;
    const resumed = await studio.post(`/runs/${run.runId}/resume`);
    expect(resumed.status).toBe(202);
    expect(((await resumed.json()) as { run: { runId: string; resumed: boolean } }).run).toMatchObject({
      runId: run.runId,
      resumed: true,
    });
    await waitFor(() => finished(studio.events, run.runId));
    const sources = studio.events.flatMap((event) =>
      event.type === 'run' && event.event.type === 'job-finished' ? [event.event.source] : [],
    );
    // Nothing finished before the stop is rendered again.
    expect(sources.filter((source) => source === 'resumed')).toHaveLength(done);
    expect(sources.filter((source) => source === 'computed')).toHaveLength(8 - done);
    expect((await studio.gallery(run.runId)).run.status).toBe('completed');
  });

  it('refuses to run an invalid config, saying why', async () => {
    const studio = await studioOver(smallCampaign());
    await writeFile(studio.project.configPath, 'campaign: broken\nmodels: {}\n');
    const response = await studio.post('/runs');
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: string; details: string[] };
    expect(body.error).toMatch(/Invalid campaign config/);
    expect(body.details.join('\n')).toMatch(/atelier\.yaml:\d+:\d+/);
    expect(studio.runs.active()).toEqual([]);
  });

  it('reports a run the pipeline refuses (a stale lock) as a 409 with the difference', async () => {
    const studio = await studioOver(smallCampaign());
    await writeFile(
      `${studio.project.directory}/atelier.lock.json`,
      JSON.stringify({
        lockfileVersion: 1,
        models: {
          compose: {
            reference: 'builtin:draft',
            provider: 'builtin',
            modelId: 'draft',
            sha256: '0'.repeat(64),
          },
        },
      }),
    );
    const response = await studio.post('/runs');
    expect(response.status).toBe(409);
    expect(((await response.json()) as { code: string }).code).toBe('LOCK_MISMATCH');
  });
});
