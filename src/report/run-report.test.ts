import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';

const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

describe('run report', () => {
  it('is a self-contained page with every shot, its stage strip, timings and the lock', async () => {
    const created = await createTempProject(smallCampaign());
    projects.push(created);
    const summary = await runCampaign({ loaded: await created.load() });
    const html = await readFile(join(summary.runDirectory, 'report.html'), 'utf8');
    for (const chain of ['tulips-0', 'tulips-1', 'bottle-0', 'meadow-0', 'meadow-1']) {
      expect(html).toContain(`id="${chain}"`);
    }
    // Every stage of every shot shows a preview inlined as data, nothing fetched from elsewhere.
    expect(
      html.match(/<div class="stage"><img alt="(compose|export)" src="data:image\/jpeg;base64,/g),
    ).toHaveLength(10);
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(html).toContain('Median time per job, by stage');
    expect(html).toContain('&quot;reference&quot;: &quot;builtin:draft&quot;');
    expect(html).toContain(`run ${summary.runId}`);
  });
});
