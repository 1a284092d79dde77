import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempProject, smallCampaign, type TempProject } from '../../test/helpers/temp-project.ts';
import { ContentSigner, readContentCredentials } from '../credentials/content-credentials.ts';
import { createDevelopmentCredentials } from '../credentials/development-credentials.ts';
import type { ChainDetailResponse } from '../studio/api-types.ts';
import { approvedSetZip, collectApprovedSet } from '../studio/approved-set-export.ts';
import { CampaignCatalog } from '../studio/campaign-catalog.ts';
import { RunManager } from '../studio/run-manager.ts';
import { createStudioApp } from '../studio/studio-app.ts';
import { verifyRun } from '../verify/verify-run.ts';
import { runCampaign } from './run-campaign.ts';
import { openWorkspace } from './workspace.ts';

const mediaTypeOf = (file: string) =>
  file.endsWith('.png') ? 'image/png' : file.endsWith('.webp') ? 'image/webp' : 'image/jpeg';

/** Every exported file of a run (the final stage's crops), relative to the run folder. */
async function exportedFiles(runDirectory: string): Promise<string[]> {
  const entries = await readdir(runDirectory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && /-export-.*\.(png|webp|jpg)$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name).slice(runDirectory.length + 1))
    .sort();
}

let project: TempProject;
let signer: ContentSigner;
let authorityPem: string;

beforeAll(async () => {
  project = await createTempProject(smallCampaign());
  const made = await createDevelopmentCredentials(project.directory);
  signer = ContentSigner.fromPem({
    certificateChainPem: await readFile(made.certificateChainPath, 'utf8'),
    privateKeyPem: await readFile(made.privateKeyPath, 'utf8'),
  });
  authorityPem = await readFile(made.authorityPath, 'utf8');
});
afterAll(() => project?.cleanup());

describe('Content Credentials on exported files', () => {
  it('signs every export with the stage chain as its actions and the run, shot and seed it was made in', async () => {
    const summary = await runCampaign({ loaded: await project.load(), signer, fresh: true });
    expect(summary.status).toBe('completed');
    const files = await exportedFiles(summary.runDirectory);
    // 5 chains; tulips and bottle export 2 crops, meadow 1; png and webp each.
    expect(files).toHaveLength(2 * (2 * 2 + 1 * 2 + 2 * 1));
    const workspace = openWorkspace(project.directory);
    try {
      const seeds = new Map(workspace.ledger.jobs(summary.runId).map((job) => [job.shotId, job.seed]));
      for (const file of files) {
        const bytes = await readFile(join(summary.runDirectory, file));
        const reading = await readContentCredentials(bytes, mediaTypeOf(file));
        expect(reading.state, file).toBe('valid');
        expect(reading.actions.map((action) => action.action)).toEqual(['c2pa.created', 'c2pa.cropped']);
        expect(reading.actions[0]?.softwareAgent?.name).toBe('builtin:draft');
        const shot = file.split('/')[0]!;
        expect(reading.provenance).toMatchObject({ run: summary.runId, shot });
        expect(seeds.has(shot)).toBe(true);
      }
      // The export stage's own result stays unsigned and cached; the run records the signed copy.
      const exportJob = workspace.ledger.jobs(summary.runId).find((job) => job.stage === 'export')!;
      const sealed = exportJob.details?.credentials as { unsigned: Record<string, string> };
      const [output] = exportJob.outputs;
      const unsignedAddress = sealed.unsigned[`${output!.name} ${output!.mediaType}`]!;
      expect(unsignedAddress).not.toBe(output!.sha256);
      expect(await workspace.store.has(unsignedAddress)).toBe(true);
    } finally {
      workspace.close();
    }
  }, 120_000);

  it('keeps the sealed copy of the run that first made a file when a re-run comes to the same file', async () => {
    const first = await runCampaign({ loaded: await project.load(), signer });
    const again = await runCampaign({ loaded: await project.load(), signer });
    expect(again.status).toBe('completed');
    const files = await exportedFiles(again.runDirectory);
    expect(files).toEqual(await exportedFiles(first.runDirectory));
    for (const file of files) {
      const before = await readFile(join(first.runDirectory, file));
      const after = await readFile(join(again.runDirectory, file));
      expect(after.equals(before), file).toBe(true);
      const reading = await readContentCredentials(after, mediaTypeOf(file));
      expect(reading.state).toBe('valid');
      expect(reading.provenance?.run).not.toBe(again.runId);
    }
    // verify knows which run sealed each kept copy, and passes the re-run.
    expect((await verifyRun({ projectDirectory: project.directory, runId: again.runId })).passed).toBe(true);
    // Another signer's credentials are another seal: every export is signed again.
    const other = await createTempProject(smallCampaign());
    try {
      const made = await createDevelopmentCredentials(other.directory);
      const otherSigner = ContentSigner.fromPem({
        certificateChainPem: await readFile(made.certificateChainPath, 'utf8'),
        privateKeyPem: await readFile(made.privateKeyPath, 'utf8'),
      });
      const resigned = await runCampaign({ loaded: await project.load(), signer: otherSigner });
      for (const file of files) {
        const before = await readFile(join(first.runDirectory, file));
        const after = await readFile(join(resigned.runDirectory, file));
        expect(after.equals(before), file).toBe(false);
        const reading = await readContentCredentials(after, mediaTypeOf(file));
        expect(reading.provenance).toMatchObject({ run: resigned.runId });
      }
    } finally {
      await other.cleanup();
    }
  }, 120_000);

  it('leaves exports unsigned without a signer and says so once in the summary', async () => {
    const note = 'exports are unsigned: no Content Credentials signer';
    const summary = await runCampaign({ loaded: await project.load(), fresh: true, unsignedNote: note });
    expect(summary.warnings.filter((warning) => warning === note)).toHaveLength(1);
    const [file] = await exportedFiles(summary.runDirectory);
    const bytes = await readFile(join(summary.runDirectory, file!));
    expect((await readContentCredentials(bytes, mediaTypeOf(file!))).state).toBe('none');
  }, 120_000);

  it('keeps the signed bytes in the approved-set zip', async () => {
    const summary = await runCampaign({ loaded: await project.load(), signer, fresh: true });
    const workspace = openWorkspace(project.directory);
    try {
      const master = workspace.ledger
        .jobs(summary.runId)
        .find((job) => job.shotId === 'bottle' && job.stage === 'compose')!;
      workspace.ledger.addReview({
        runId: summary.runId,
        shotId: 'bottle',
        seedIndex: 0,
        sha256: master.outputs[0]!.sha256,
        decision: 'approve',
        reviewer: 'ad',
      });
      const chunks: Uint8Array[] = [];
      for await (const chunk of approvedSetZip(workspace, await collectApprovedSet(workspace, summary.runId)))
        chunks.push(chunk);
      const zip = unzipSync(Buffer.concat(chunks));
      const crops = Object.keys(zip).filter((name) => /\.(png|webp)$/.test(name) && name.includes('export'));
      expect(crops.length).toBeGreaterThan(0);
      for (const name of crops) {
        const reading = await readContentCredentials(zip[name]!, mediaTypeOf(name));
        expect(reading.state, name).toBe('valid');
      }
    } finally {
      workspace.close();
    }
  }, 120_000);

  it("shows each exported file's credentials in the studio's shot detail", async () => {
    const summary = await runCampaign({ loaded: await project.load(), signer, fresh: true });
    const catalog = new CampaignCatalog(project.directory);
    const runs = new RunManager();
    try {
      const [entry] = await catalog.list();
      const app = createStudioApp({ catalog, runs });
      const response = await app.request(`/api/campaigns/${entry!.id}/runs/${summary.runId}/chains/bottle/0`);
      expect(response.status).toBe(200);
      const detail = (await response.json()) as ChainDetailResponse;
      const exported = detail.outputs.filter((output) => output.stage === 'export');
      expect(exported.length).toBeGreaterThan(0);
      for (const output of exported) {
        expect(output.credentials).toMatchObject({ state: 'valid', signer: 'Atelier development signer' });
        expect(output.credentials?.actions).toEqual(['c2pa.created (builtin:draft)', 'c2pa.cropped']);
      }
      expect(detail.outputs.find((output) => output.stage === 'compose')?.credentials).toBeNull();
    } finally {
      await runs.close();
      catalog.close();
    }
  }, 120_000);

  it('verify passes a signed run, trusts its CA when told to, and names a file changed by one byte', async () => {
    const summary = await runCampaign({ loaded: await project.load(), signer, fresh: true });
    const clean = await verifyRun({
      projectDirectory: project.directory,
      runId: summary.runId,
      trustAnchorsPem: authorityPem,
    });
    expect(clean.drift).toEqual([]);
    expect(clean.manifestDifferences).toEqual([]);
    expect(clean.credentials.length).toBeGreaterThan(0);
    expect(clean.credentials.every((check) => check.state === 'trusted')).toBe(true);
    expect(clean.passed).toBe(true);

    const [victim] = await exportedFiles(summary.runDirectory);
    const path = join(summary.runDirectory, victim!);
    const bytes = await readFile(path);
    bytes[Math.floor(bytes.length / 2)]! ^= 1;
    await writeFile(path, bytes);
    const tampered = await verifyRun({ projectDirectory: project.directory, runId: summary.runId });
    expect(tampered.passed).toBe(false);
    const check = tampered.credentials.find((entry) => entry.file === victim);
    expect(check?.state === 'invalid' || (check?.problems.length ?? 0) > 0).toBe(true);
    expect(tampered.drift.map((item) => item.file)).toContain(victim);
  }, 240_000);
});
