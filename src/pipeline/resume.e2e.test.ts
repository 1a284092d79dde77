import { type ChildProcess, spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createTempProject,
  hashTree,
  smallCampaign,
  type TempProject,
} from '../../test/helpers/temp-project.ts';
import { runCampaign } from './run-campaign.ts';
import { openWorkspace } from './workspace.ts';

const fixture = new URL('../../test/fixtures/slow-run.ts', import.meta.url).pathname;
const projects: TempProject[] = [];
afterEach(async () => {
  await Promise.all(projects.splice(0).map((created) => created.cleanup()));
});

function startChild(
  configPath: string,
  callsLog: string,
): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, configPath, callsLog, '150'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(stderr);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the child run');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('resume after SIGKILL', () => {
  it('finishes only the missing jobs and matches a clean run byte for byte', async () => {
    const killed = await createTempProject(smallCampaign());
    const clean = await createTempProject(smallCampaign());
    projects.push(killed, clean);
    const callsLog = join(killed.directory, 'calls.log');

    const first = startChild(killed.configPath, callsLog);
    await waitFor(() => first.lines.filter((line) => line.startsWith('finished')).length >= 4, 30_000);
    first.child.kill('SIGKILL');
    await first.exited;
    const runId = first.lines.find((line) => line.startsWith('run '))!.split(' ')[1]!;

    const second = startChild(killed.configPath, callsLog);
    expect(await second.exited).toBe(0);
    expect(second.lines[0]).toBe(`run ${runId} resumed=true`);
    expect(second.lines.at(-1)).toBe('status completed');
    expect(second.lines.filter((line) => line.endsWith(' resumed')).length).toBeGreaterThanOrEqual(4);

    // Every compose call is made once, except at most the one in flight when the process died.
    const calls = (await readFile(callsLog, 'utf8')).trim().split('\n');
    expect(calls.length - new Set(calls).size).toBeLessThanOrEqual(1);
    expect(new Set(calls).size).toBe(5);

    const workspace = openWorkspace(killed.directory);
    const jobs = workspace.ledger.jobs(runId);
    workspace.close();
    expect(jobs).toHaveLength(10);
    expect(jobs.every((job) => job.status === 'done')).toBe(true);

    const reference = await runCampaign({ loaded: await clean.load() });
    const resumedTree = await hashTree(join(killed.directory, 'runs', runId), { artifactsOnly: true });
    const cleanTree = await hashTree(reference.runDirectory, { artifactsOnly: true });
    expect(resumedTree).toEqual(cleanTree);
    const leftovers = (await readdir(join(killed.directory, 'runs', runId), { recursive: true })).filter(
      (name) => name.includes('.tmp-'),
    );
    expect(leftovers).toEqual([]);
  });
});
