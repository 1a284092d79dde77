import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { builtinProvider, ModelRegistry } from '../models/model-registry.ts';
import { ContactSheetBuilder } from './contact-sheet.ts';
import { runCampaign } from './run-campaign.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

/** The built-ins, counting every model created. */
function creationCountingRegistry() {
  let created = 0;
  const registry = new ModelRegistry([
    {
      ...builtinProvider,
      create: (reference) => {
        created++;
        return builtinProvider.create(reference);
      },
    },
  ]);
  return { registry, created: () => created };
}

async function fileCount(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).length;
}

describe('a re-run whose every job is a cache hit', () => {
  it('creates no model, decodes no image and reuses the contact sheet by its content', async () => {
    const project = await createTempProject(smallCampaign());
    projects.push(project);
    const counting = creationCountingRegistry();
    const drawn = vi.spyOn(ContactSheetBuilder.prototype, 'render');
    const previews = join(project.directory, '.atelier/previews');

    const first = await runCampaign({ loaded: await project.load(), registry: counting.registry });
    expect(first.computedJobs).toBe(10);
    expect(counting.created()).toBe(1);
    expect(drawn).toHaveBeenCalledTimes(1);
    const previewsMade = await fileCount(previews);
    expect(previewsMade).toBeGreaterThan(0);

    const second = await runCampaign({ loaded: await project.load(), registry: counting.registry });
    expect(second.cacheHits).toBe(10);
    expect(counting.created()).toBe(1);
    expect(drawn).toHaveBeenCalledTimes(1);
    // Every preview the report and the sheet show was made by the first run.
    expect(await fileCount(previews)).toBe(previewsMade);
    const sheet = (run: { runDirectory: string }) => readFile(join(run.runDirectory, 'contact-sheet.png'));
    expect((await sheet(second)).equals(await sheet(first))).toBe(true);
    // The report tells of this run (its id, its cache hits), from the cached previews.
    expect(await readFile(join(second.runDirectory, 'report.html'), 'utf8')).toContain(second.runId);
  });

  it('draws the sheet again when an image changes', async () => {
    const project = await createTempProject(smallCampaign());
    projects.push(project);
    const drawn = vi.spyOn(ContactSheetBuilder.prototype, 'render');
    await runCampaign({ loaded: await project.load() });
    const changed = smallCampaign();
    (changed.shots as Array<{ prompt: string }>)[1]!.prompt = 'a taller glass bottle, product hero';
    await writeFile(project.configPath, JSON.stringify(changed));
    await runCampaign({ loaded: await project.load() });
    expect(drawn).toHaveBeenCalledTimes(2);
  });
});
