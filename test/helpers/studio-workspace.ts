import type { Hono } from 'hono';
import { runCampaign } from '../../src/pipeline/run-campaign.ts';
import { CampaignCatalog } from '../../src/studio/campaign-catalog.ts';
import { RunManager } from '../../src/studio/run-manager.ts';
import { createStudioApp, type StudioAppOptions } from '../../src/studio/studio-app.ts';
import { createTempProject, type TempProject } from './temp-project.ts';

export interface StudioWorkspace {
  project: TempProject;
  /** The campaign's id in the studio (the workspace folder is the project folder). */
  campaignId: string;
  runId: string;
  catalog: CampaignCatalog;
  runs: RunManager;
  app: Hono;
  /** Request helper that sends JSON with the right header. */
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
  close(): Promise<void>;
}

/** A temporary project rendered once in-process, and a studio app over it. */
export async function createStudioWorkspace(
  config: Record<string, unknown>,
  options: Partial<Omit<StudioAppOptions, 'catalog' | 'runs'>> = {},
): Promise<StudioWorkspace> {
  const project = await createTempProject(config);
  const summary = await runCampaign({ loaded: await project.load() });
  const catalog = new CampaignCatalog(project.directory);
  const [entry] = await catalog.list();
  const runs = new RunManager();
  const app = createStudioApp({ catalog, runs, ...options });
  return {
    project,
    campaignId: entry!.id,
    runId: summary.runId,
    catalog,
    runs,
    app,
    post: (path, body, headers = {}) =>
      Promise.resolve(
        app.request(path, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', ...headers },
          body: typeof body === 'string' ? body : JSON.stringify(body),
        }),
      ),
    async close() {
      await runs.close();
      catalog.close();
      await project.cleanup();
    },
  };
}
