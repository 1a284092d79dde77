import { writeFile } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { CampaignCatalog } from './campaign-catalog.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((project) => project.cleanup()));
});

describe('CampaignCatalog', () => {
  it('validates a config once while its file is unchanged, and again as soon as it is edited', async () => {
    const project = await createTempProject(smallCampaign());
    projects.push(project);
    const catalog = new CampaignCatalog(project.directory);
    const [entry] = await catalog.list();
    const loads = await Promise.all(Array.from({ length: 5 }, () => catalog.load(entry!)));
    expect(loads.every((load) => load.loaded === loads[0]!.loaded)).toBe(true);
    expect(loads[0]!.loaded?.campaign.campaign).toBe('test-campaign');

    await writeFile(project.configPath, stringify(smallCampaign({ campaign: 'renamed-campaign' })));
    const edited = await catalog.load(entry!);
    expect(edited.loaded?.campaign.campaign).toBe('renamed-campaign');
    expect(edited.configSha256).not.toBe(loads[0]!.configSha256);

    await writeFile(project.configPath, 'campaign: [');
    expect((await catalog.load(entry!)).error).toMatch(/not valid YAML/);
    catalog.close();
  });

  it('shares one folder scan between the requests that arrive during it', async () => {
    const project = await createTempProject(smallCampaign());
    projects.push(project);
    const catalog = new CampaignCatalog(project.directory);
    const [first, second] = [catalog.list(), catalog.list()];
    expect(first).toBe(second);
    expect((await first).map((entry) => entry.configFile)).toEqual(['atelier.yaml']);
    expect(catalog.list()).not.toBe(first);
    catalog.close();
  });
});
