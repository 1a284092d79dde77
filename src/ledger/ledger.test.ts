import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { chainKey, Ledger } from './ledger.ts';

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((path) => rm(path, { recursive: true, force: true })));
});

async function openLedger(): Promise<Ledger> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-ledger-'));
  directories.push(directory);
  return new Ledger(join(directory, 'atelier.db'));
}

function createRun(ledger: Ledger, id: string, configFile = 'atelier.yaml') {
  return ledger.createRun({
    id,
    campaign: 'a',
    configPath: `/briefs/a/${configFile}`,
    configFile,
    configSha256: 'c'.repeat(64),
    configSource: '',
    lock: {},
  });
}

const image = (digit: string) => digit.repeat(64);

describe('Ledger reviews', () => {
  it('appends reviews and keeps the latest approve or reject as the standing decision', async () => {
    const ledger = await openLedger();
    createRun(ledger, 'run-1');
    const base = { runId: 'run-1', shotId: 'tulips', seedIndex: 0, sha256: image('a'), reviewer: 'Ana' };
    ledger.addReview({ ...base, decision: 'reject', createdAt: '2026-01-01T10:00:00.000Z' });
    ledger.addReview({ ...base, decision: 'approve', createdAt: '2026-01-01T10:05:00.000Z' });
    ledger.addReview({
      ...base,
      decision: 'comment',
      comment: 'warmer please',
      createdAt: '2026-01-01T10:06:00.000Z',
    });

    const history = ledger.reviews({ runId: 'run-1' });
    expect(history.map((review) => review.decision)).toEqual(['reject', 'approve', 'comment']);
    expect(history[2]).toMatchObject({ comment: 'warmer please', reviewer: 'Ana' });
    const decision = ledger.decisions('run-1').get(chainKey('tulips', 0));
    expect(decision?.decision).toBe('approve');
    expect(decision?.createdAt).toBe('2026-01-01T10:05:00.000Z');
    ledger.close();
  });

  it('finds the history of a shot across the runs of one config, and only that config', async () => {
    const ledger = await openLedger();
    createRun(ledger, 'run-1');
    createRun(ledger, 'run-2');
    createRun(ledger, 'other', 'other.yaml');
    const review = { shotId: 'tulips', seedIndex: 0, reviewer: 'Ana', decision: 'reject' as const };
    ledger.addReview({ ...review, runId: 'run-1', sha256: image('a') });
    ledger.addReview({ ...review, runId: 'run-2', sha256: image('b'), decision: 'approve' });
    ledger.addReview({ ...review, runId: 'other', sha256: image('c') });
    ledger.addReview({ ...review, runId: 'run-2', seedIndex: 1, sha256: image('d') });

    const history = ledger.reviews({ configFile: 'atelier.yaml', shotId: 'tulips', seedIndex: 0 });
    expect(history.map((entry) => entry.runId)).toEqual(['run-1', 'run-2']);
    expect(ledger.reviews({ sha256: image('c') }).map((entry) => entry.runId)).toEqual(['other']);
    expect(ledger.decisions('run-1').get(chainKey('tulips', 0))?.decision).toBe('reject');
    ledger.close();
  });

  it('refuses a decision outside approve, reject and comment', async () => {
    const ledger = await openLedger();
    createRun(ledger, 'run-1');
    expect(() =>
      ledger.addReview({
        runId: 'run-1',
        shotId: 'tulips',
        seedIndex: 0,
        sha256: image('a'),
        reviewer: 'Ana',
        decision: 'maybe' as never,
      }),
    ).toThrow(/CHECK constraint/);
    expect(ledger.reviews()).toEqual([]);
    ledger.close();
  });

  it('reads a ledger made before runs had a project-relative config, and finds its runs by it', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'atelier-ledger-'));
    directories.push(directory);
    const path = join(directory, 'atelier.db');
    // The runs table as an older Atelier made it: runs known only by the absolute config path.
    const old = new Database(path);
    old.exec(`CREATE TABLE runs (id TEXT PRIMARY KEY, campaign TEXT NOT NULL, config_path TEXT NOT NULL,
      config_sha256 TEXT NOT NULL, config_source TEXT NOT NULL DEFAULT '', lock_json TEXT NOT NULL,
      status TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, finished_at TEXT, summary_json TEXT)`);
    const insert = old.prepare(
      `INSERT INTO runs (id, campaign, config_path, config_sha256, lock_json, status, created_at, updated_at)
       VALUES (?, 'a', ?, 'c', '{}', 'completed', ?, ?)`,
    );
    insert.run('old-1', '/home/ana/briefs/spring/atelier.yaml', '2026-01-01', '2026-01-01');
    insert.run('old-2', '/home/ana/briefs/spring/variant.yaml', '2026-01-02', '2026-01-02');
    old.close();

    const ledger = new Ledger(path);
    expect(ledger.run('old-1')).toMatchObject({
      configPath: '/home/ana/briefs/spring/atelier.yaml',
      configFile: 'atelier.yaml',
    });
    expect(ledger.runs({ configFile: 'atelier.yaml' }).map((run) => run.id)).toEqual(['old-1']);
    expect(ledger.runs({ configFile: 'variant.yaml' }).map((run) => run.id)).toEqual(['old-2']);
    // A row an older Atelier adds later (config_file left at its default) still reads right.
    ledger.database
      .prepare(
        `INSERT INTO runs (id, campaign, config_path, config_sha256, lock_json, status, created_at, updated_at)
         VALUES ('old-3', 'a', '/elsewhere/atelier.yaml', 'c', '{}', 'running', '2026-01-03', '2026-01-03')`,
      )
      .run();
    expect(ledger.run('old-3')?.configFile).toBe('atelier.yaml');
    ledger.close();
    const reopened = new Ledger(path);
    expect(reopened.runs({ configFile: 'atelier.yaml' }).map((run) => run.id)).toEqual(['old-3', 'old-1']);
    reopened.close();
  });

  it('changes its change stamp on every commit, by this connection or another, and only then', async () => {
    const ledger = await openLedger();
    const other = new Ledger(ledger.path);
    const stamp = ledger.changeStamp();
    ledger.runs();
    expect(ledger.changeStamp()).toBe(stamp);
    createRun(ledger, 'run-1');
    const afterOwn = ledger.changeStamp();
    expect(afterOwn).not.toBe(stamp);
    other.setRunStatus('run-1', 'completed');
    expect(ledger.changeStamp()).not.toBe(afterOwn);
    expect(ledger.changeStamp()).toBe(ledger.changeStamp());
    other.close();
    ledger.close();
  });

  it('adds the reviews table to a ledger created before it existed', async () => {
    const first = await openLedger();
    createRun(first, 'run-1');
    first.database.exec('DROP TABLE reviews');
    first.close();
    const reopened = new Ledger(first.path);
    expect(reopened.run('run-1')?.id).toBe('run-1');
    expect(reopened.reviews()).toEqual([]);
    reopened.close();
  });
});
