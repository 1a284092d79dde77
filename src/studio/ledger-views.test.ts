import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Ledger } from '../ledger/ledger.ts';
import { LedgerViews } from './ledger-views.ts';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

async function ledgerPath(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-views-'));
  directories.push(directory);
  return join(directory, 'atelier.db');
}

const run = (id: string) => ({
  id,
  campaign: 'a',
  configPath: '/a/atelier.yaml',
  configFile: 'atelier.yaml',
  configSha256: 'c',
  configSource: '',
  lock: {},
});

describe('LedgerViews', () => {
  it('computes a view once until the ledger changes, here or in another process', async () => {
    const path = await ledgerPath();
    const studio = new Ledger(path);
    // A run's process has its own connection to the same file.
    const runProcess = new Ledger(path);
    const views = new LedgerViews(studio);
    let computed = 0;
    const runIds = () =>
      views.get('runs', () => {
        computed++;
        return studio.runs().map((entry) => entry.id);
      });
    expect(runIds()).toEqual([]);
    expect(runIds()).toEqual([]);
    expect(computed).toBe(1);

    runProcess.createRun(run('r1'));
    expect(runIds()).toEqual(['r1']);
    expect(computed).toBe(2);
    runProcess.setRunStatus('r1', 'completed');
    runIds();
    expect(computed).toBe(3);

    studio.addReview({
      runId: 'r1',
      shotId: 's',
      seedIndex: 0,
      sha256: 'a'.repeat(64),
      decision: 'approve',
      reviewer: 'Ana',
    });
    runIds();
    runIds();
    expect(computed).toBe(4);
    // Reading changes nothing.
    studio.reviews();
    runProcess.runs();
    runIds();
    expect(computed).toBe(4);
    studio.close();
    runProcess.close();
  });
});
