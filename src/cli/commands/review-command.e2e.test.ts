import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../test/helpers/run-cli.ts';
import { createTempProject, smallCampaign, type TempProject } from '../../../test/helpers/temp-project.ts';
import { runCampaign } from '../../pipeline/run-campaign.ts';
import { openWorkspace } from '../../pipeline/workspace.ts';
import { buildRunGallery } from '../../studio/run-gallery.ts';
import { sha256 } from '../../util/canonical-json.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function reviewedProject() {
  const config = smallCampaign() as { pipeline: { seeds: number } };
  config.pipeline.seeds = 1; // tulips, bottle, meadow: one image each
  const project: TempProject = await createTempProject(config);
  cleanups.push(() => project.cleanup());
  const { runId } = await runCampaign({ loaded: await project.load() });
  const workspace = openWorkspace(project.directory);
  const chains = buildRunGallery(workspace.ledger, workspace.ledger.run(runId)!).chains;
  const decide = (index: number, decision: 'approve' | 'reject') =>
    workspace.ledger.addReview({
      runId,
      shotId: chains[index]!.shotId,
      seedIndex: 0,
      sha256: chains[index]!.image!.sha256,
      decision,
      reviewer: 'Ana',
    });
  decide(0, 'approve');
  decide(1, 'reject');
  decide(2, 'approve');
  workspace.close();
  return { project, runId, chains };
}

describe('atelier review export', () => {
  it('writes the approved images of a run with their crops and manifests', async () => {
    const { project, runId, chains } = await reviewedProject();
    const out = join(await mkdtemp(join(tmpdir(), 'atelier-export-')), 'approved.zip');
    cleanups.push(() => rm(join(out, '..'), { recursive: true, force: true }));

    const result = await runCli(['review', 'export', project.directory, '--run', runId, '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/wrote .*approved\.zip: 2 approved images/);

    const entries = unzipSync(new Uint8Array(await readFile(out)));
    const images = Object.keys(entries).filter((name) => !name.endsWith('.json'));
    const folders = [...new Set(images.map((name) => name.split('/').slice(1, 3).join('/')))].sort();
    expect(folders).toEqual(
      [chains[0]!, chains[2]!].map((chain) => `${chain.shotId}/seed-${chain.seed}`).sort(),
    );
    for (const image of images) {
      const manifest = JSON.parse(new TextDecoder().decode(entries[`${image}.json`]!));
      expect(manifest.output.sha256).toBe(sha256(entries[image]!));
    }
  });

  it('picks the newest run with approvals when --run is not given', async () => {
    const { project, runId } = await reviewedProject();
    const result = await runCli(['review', 'export', project.directory], { cwd: project.directory });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(join(project.directory, `test-campaign-${runId}-approved.zip`));
  });

  it('says so, with exit 2, when there is nothing to export', async () => {
    const project = await createTempProject(smallCampaign());
    cleanups.push(() => project.cleanup());
    const none = await runCli(['review', 'export', project.directory]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/^error: No run of .* has approved images yet/);
    const unknown = await runCli(['review', 'export', project.directory, '--run', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error: No run "nope"/);
  });
});
