import { mkdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import Database from 'better-sqlite3';

import type {
  CachedResult,
  JobKey,
  JobRecord,
  JobStatus,
  NewReview,
  ReviewDecision,
  ReviewFilter,
  ReviewRecord,
  RunRecord,
  RunStatus,
  StoredOutput,
  StoredQuestions,
} from './ledger-records.ts';

// Callers import the ledger's record types from here, with the ledger.
export * from './ledger-records.ts';

const schema = `
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  campaign TEXT NOT NULL,
  config_path TEXT NOT NULL,
  config_file TEXT NOT NULL DEFAULT '',
  config_sha256 TEXT NOT NULL,
  config_source TEXT NOT NULL DEFAULT '',
  lock_json TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  finished_at TEXT,
  summary_json TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id),
  shot_id TEXT NOT NULL,
  seed_index INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  stage_index INTEGER NOT NULL,
  seed INTEGER NOT NULL,
  stage TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  cache_key TEXT,
  cache_hit INTEGER NOT NULL DEFAULT 0,
  outputs_json TEXT NOT NULL DEFAULT '[]',
  details_json TEXT,
  warnings_json TEXT NOT NULL DEFAULT '[]',
  error TEXT,
  started_at TEXT,
  finished_at TEXT,
  duration_ms REAL,
  cost_usd REAL,
  UNIQUE (run_id, shot_id, seed_index, attempt, stage_index)
);
CREATE INDEX IF NOT EXISTS jobs_by_run ON jobs(run_id);
CREATE TABLE IF NOT EXISTS artifacts (
  sha256 TEXT PRIMARY KEY,
  media_type TEXT NOT NULL,
  byte_length INTEGER NOT NULL,
  width INTEGER,
  height INTEGER,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
  id INTEGER PRIMARY KEY,
  run_id TEXT NOT NULL REFERENCES runs(id),
  shot_id TEXT NOT NULL,
  seed_index INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('approve', 'reject', 'comment')),
  reviewer TEXT NOT NULL,
  comment TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_by_run ON reviews(run_id);
CREATE INDEX IF NOT EXISTS reviews_by_shot ON reviews(shot_id, seed_index);
CREATE TABLE IF NOT EXISTS cache (
  key TEXT PRIMARY KEY,
  stage TEXT NOT NULL,
  result_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS judge_questions (
  key TEXT PRIMARY KEY,
  prompt TEXT NOT NULL,
  judge TEXT NOT NULL,
  questions_json TEXT NOT NULL,
  created_at TEXT NOT NULL
);
`;

type Row = Record<string, unknown>;

/**
 * The SQLite record of runs, jobs, artifacts, reviews and the stage cache (`.atelier/atelier.db`).
 * WAL mode and synchronous writes make each finished job durable before the next starts, so a
 * run killed at any point resumes from exactly what it had finished.
 */
export class Ledger {
  readonly database: Database.Database;
  /** Prepared once per SQL text: preparing costs more than running most of these queries. */
  private readonly statements = new Map<string, Database.Statement>();

  constructor(readonly path: string) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.database = new Database(path);
    this.database.pragma('journal_mode = WAL');
    this.database.pragma('synchronous = NORMAL');
    this.database.pragma('busy_timeout = 5000');
    this.database.exec(schema);
    this.migrate();
  }

  /** Brings a ledger made by an older Atelier up to the current schema (additive changes only). */
  private migrate(): void {
    const columns = (table: string) =>
      new Set(
        (this.statement(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map(
          (column) => column.name,
        ),
      );
    const runColumns = columns('runs');
    if (!runColumns.has('config_source')) {
      this.database.exec("ALTER TABLE runs ADD COLUMN config_source TEXT NOT NULL DEFAULT ''");
    }
    if (!runColumns.has('config_file')) {
      this.database.exec("ALTER TABLE runs ADD COLUMN config_file TEXT NOT NULL DEFAULT ''");
    }
    // Runs recorded before `config_file` existed (or by an older Atelier since): the config
    // sits in the project folder, so its name is its project-relative path.
    const unnamed = this.statement("SELECT id, config_path FROM runs WHERE config_file = ''").all() as Array<{
      id: string;
      config_path: string;
    }>;
    if (unnamed.length > 0) {
      const name = this.statement('UPDATE runs SET config_file = ? WHERE id = ?');
      this.database.transaction(() => {
        for (const run of unnamed) name.run(configFileOf(run.config_path), run.id);
      })();
    }
  }

  close(): void {
    this.database.close();
  }

  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.database.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * A value that changes whenever anything is committed to the ledger, by this connection
   * (`total_changes()`) or by another, a run's process included (`PRAGMA data_version`): what
   * views computed from the ledger are cached by. Two reads and no table access: cheap enough
   * to ask on every request.
   */
  changeStamp(): string {
    const { own, others } = this.statement(
      'SELECT total_changes() AS own, data_version AS others FROM pragma_data_version',
    ).get() as { own: number; others: number };
    return `${others}.${own}`;
  }

  createRun(
    run: Pick<
      RunRecord,
      'id' | 'campaign' | 'configPath' | 'configFile' | 'configSha256' | 'configSource' | 'lock'
    >,
  ): RunRecord {
    const now = new Date().toISOString();
    this.statement(
      `INSERT INTO runs (id, campaign, config_path, config_file, config_sha256, config_source, lock_json, status, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?)`,
    ).run(
      run.id,
      run.campaign,
      run.configPath,
      run.configFile,
      run.configSha256,
      run.configSource,
      JSON.stringify(run.lock),
      now,
      now,
    );
    return this.run(run.id)!;
  }

  run(id: string): RunRecord | undefined {
    const row = this.statement('SELECT * FROM runs WHERE id = ?').get(id) as Row | undefined;
    return row ? toRun(row) : undefined;
  }

  /** Runs newest first; `configFile`: only the runs of that config (see `RunRecord.configFile`). */
  runs(filter: { configFile?: string } = {}): RunRecord[] {
    const rows = filter.configFile
      ? this.statement('SELECT * FROM runs WHERE config_file = ? ORDER BY created_at DESC, id DESC').all(
          filter.configFile,
        )
      : this.statement('SELECT * FROM runs ORDER BY created_at DESC, id DESC').all();
    return (rows as Row[]).map(toRun);
  }

  setRunStatus(id: string, status: RunStatus, summary?: unknown): void {
    const now = new Date().toISOString();
    this.statement(
      `UPDATE runs SET status = ?, updated_at = ?, finished_at = CASE WHEN ? IN ('completed', 'failed') THEN ? ELSE finished_at END,
         summary_json = COALESCE(?, summary_json) WHERE id = ?`,
    ).run(status, now, status, now, summary === undefined ? null : JSON.stringify(summary), id);
  }

  /** The job for this key, created as pending if it does not exist yet. */
  ensureJob(key: JobKey, fields: { seed: number; stage: string }): JobRecord {
    this.statement(
      `INSERT INTO jobs (run_id, shot_id, seed_index, attempt, stage_index, seed, stage, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'pending') ON CONFLICT DO NOTHING`,
    ).run(key.runId, key.shotId, key.seedIndex, key.attempt, key.stageIndex, fields.seed, fields.stage);
    return this.job(key)!;
  }

  job(key: JobKey): JobRecord | undefined {
    const row = this.statement(
      'SELECT * FROM jobs WHERE run_id = ? AND shot_id = ? AND seed_index = ? AND attempt = ? AND stage_index = ?',
    ).get(key.runId, key.shotId, key.seedIndex, key.attempt, key.stageIndex) as Row | undefined;
    return row ? toJob(row) : undefined;
  }

  jobs(runId: string): JobRecord[] {
    return (
      this.statement(
        'SELECT * FROM jobs WHERE run_id = ? ORDER BY shot_id, seed_index, attempt, stage_index',
      ).all(runId) as Row[]
    ).map(toJob);
  }

  /** Puts a job that was stopped part-way back in the queue (its attempt count stays). */
  setJobPending(id: number): void {
    this.statement(`UPDATE jobs SET status = 'pending', started_at = NULL WHERE id = ?`).run(id);
  }

  startJob(id: number, cacheKey: string): void {
    this.statement(
      `UPDATE jobs SET status = 'running', attempts = attempts + 1, cache_key = ?, started_at = ?, error = NULL WHERE id = ?`,
    ).run(cacheKey, new Date().toISOString(), id);
  }

  finishJob(
    id: number,
    result: {
      status: Extract<JobStatus, 'done' | 'failed' | 'rejected'>;
      cacheKey?: string;
      cacheHit?: boolean;
      outputs?: StoredOutput[];
      details?: Record<string, unknown>;
      warnings?: string[];
      error?: string;
      durationMs: number;
      costUsd?: number;
    },
  ): void {
    this.statement(
      `UPDATE jobs SET status = ?, cache_key = COALESCE(?, cache_key), cache_hit = ?, outputs_json = ?, details_json = ?, warnings_json = ?, error = ?,
         finished_at = ?, duration_ms = ?, cost_usd = ? WHERE id = ?`,
    ).run(
      result.status,
      result.cacheKey ?? null,
      result.cacheHit ? 1 : 0,
      JSON.stringify(result.outputs ?? []),
      result.details ? JSON.stringify(result.details) : null,
      JSON.stringify(result.warnings ?? []),
      result.error ?? null,
      new Date().toISOString(),
      result.durationMs,
      result.costUsd ?? null,
      id,
    );
  }

  recordArtifact(output: StoredOutput): void {
    this.statement(
      `INSERT INTO artifacts (sha256, media_type, byte_length, width, height, created_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT DO NOTHING`,
    ).run(
      output.sha256,
      output.mediaType,
      output.byteLength,
      output.width,
      output.height,
      new Date().toISOString(),
    );
  }

  /** The media type and size recorded for a stored artifact. */
  artifact(
    sha256: string,
  ): { mediaType: string; byteLength: number; width: number | null; height: number | null } | undefined {
    const row = this.statement('SELECT * FROM artifacts WHERE sha256 = ?').get(sha256) as Row | undefined;
    return row
      ? {
          mediaType: row.media_type as string,
          byteLength: row.byte_length as number,
          width: (row.width as number | null) ?? null,
          height: (row.height as number | null) ?? null,
        }
      : undefined;
  }

  /** Appends a review; the run must exist. */
  addReview(review: NewReview): ReviewRecord {
    const result = this.statement(
      `INSERT INTO reviews (run_id, shot_id, seed_index, sha256, decision, reviewer, comment, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(
      review.runId,
      review.shotId,
      review.seedIndex,
      review.sha256,
      review.decision,
      review.reviewer,
      review.comment ?? null,
      review.createdAt ?? new Date().toISOString(),
    );
    return toReview(this.statement('SELECT * FROM reviews WHERE id = ?').get(result.lastInsertRowid) as Row);
  }

  /** Reviews matching every given field, oldest first. */
  reviews(filter: ReviewFilter = {}): ReviewRecord[] {
    const conditions: string[] = [];
    const values: unknown[] = [];
    const add = (condition: string, value: unknown) => {
      conditions.push(condition);
      values.push(value);
    };
    if (filter.runId !== undefined) add('reviews.run_id = ?', filter.runId);
    if (filter.configFile !== undefined) add('runs.config_file = ?', filter.configFile);
    if (filter.shotId !== undefined) add('reviews.shot_id = ?', filter.shotId);
    if (filter.seedIndex !== undefined) add('reviews.seed_index = ?', filter.seedIndex);
    if (filter.sha256 !== undefined) add('reviews.sha256 = ?', filter.sha256);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = this.statement(
      `SELECT reviews.* FROM reviews JOIN runs ON runs.id = reviews.run_id ${where}
         ORDER BY reviews.created_at, reviews.id`,
    ).all(...values) as Row[];
    return rows.map(toReview);
  }

  /**
   * The standing verdict on each image of a run: its latest approve or reject, keyed by
   * `shotId#seedIndex`. Comments do not change a verdict.
   */
  decisions(runId: string): Map<string, ReviewRecord> {
    const latest = new Map<string, ReviewRecord>();
    for (const review of this.reviews({ runId })) {
      if (review.decision !== 'comment') latest.set(chainKey(review.shotId, review.seedIndex), review);
    }
    return latest;
  }

  cached(key: string): CachedResult | undefined {
    const row = this.statement('SELECT result_json FROM cache WHERE key = ?').get(key) as Row | undefined;
    return row ? (JSON.parse(row.result_json as string) as CachedResult) : undefined;
  }

  /** The questions the judge wrote for a prompt, by their key (prompt and judge lock). */
  judgeQuestions(key: string): StoredQuestions | undefined {
    const row = this.statement(
      'SELECT prompt, judge, questions_json, created_at FROM judge_questions WHERE key = ?',
    ).get(key) as Row | undefined;
    if (!row) return undefined;
    return {
      key,
      prompt: row.prompt as string,
      judge: row.judge as string,
      questions: JSON.parse(row.questions_json as string) as StoredQuestions['questions'],
      createdAt: row.created_at as string,
    };
  }

  /** Every stored question set whose prompt is one of these (the studio shows them per shot). */
  judgeQuestionsFor(prompt: string): StoredQuestions[] {
    const rows = this.statement(
      'SELECT key FROM judge_questions WHERE prompt = ? ORDER BY created_at DESC',
    ).all(prompt) as Row[];
    return rows.map((row) => this.judgeQuestions(row.key as string)!);
  }

  storeJudgeQuestions(stored: Omit<StoredQuestions, 'createdAt'>): void {
    this.statement(
      'INSERT OR REPLACE INTO judge_questions (key, prompt, judge, questions_json, created_at) VALUES (?, ?, ?, ?, ?)',
    ).run(
      stored.key,
      stored.prompt,
      stored.judge,
      JSON.stringify(stored.questions),
      new Date().toISOString(),
    );
  }

  storeCached(key: string, stage: string, result: CachedResult): void {
    this.statement(
      'INSERT OR REPLACE INTO cache (key, stage, result_json, created_at) VALUES (?, ?, ?, ?)',
    ).run(key, stage, JSON.stringify(result), new Date().toISOString());
  }
}

/**
 * A config's project-relative path: the project folder is the folder holding the config, so
 * this is its file name.
 */
export function configFileOf(configPath: string): string {
  return basename(configPath);
}

/** `shotId#seedIndex`: how a chain (one image of a shot) is keyed across runs. */
export function chainKey(shotId: string, seedIndex: number): string {
  return `${shotId}#${seedIndex}`;
}

function toReview(row: Row): ReviewRecord {
  return {
    id: row.id as number,
    runId: row.run_id as string,
    shotId: row.shot_id as string,
    seedIndex: row.seed_index as number,
    sha256: row.sha256 as string,
    decision: row.decision as ReviewDecision,
    reviewer: row.reviewer as string,
    comment: (row.comment as string | null) ?? null,
    createdAt: row.created_at as string,
  };
}

function toRun(row: Row): RunRecord {
  return {
    id: row.id as string,
    campaign: row.campaign as string,
    configPath: row.config_path as string,
    configFile: (row.config_file as string) || configFileOf(row.config_path as string),
    configSha256: row.config_sha256 as string,
    configSource: row.config_source as string,
    lock: JSON.parse(row.lock_json as string),
    status: row.status as RunStatus,
    createdAt: row.created_at as string,
    updatedAt: row.updated_at as string,
    finishedAt: (row.finished_at as string | null) ?? null,
    summary: row.summary_json ? JSON.parse(row.summary_json as string) : null,
  };
}

function toJob(row: Row): JobRecord {
  return {
    id: row.id as number,
    runId: row.run_id as string,
    shotId: row.shot_id as string,
    seedIndex: row.seed_index as number,
    attempt: row.attempt as number,
    stageIndex: row.stage_index as number,
    seed: row.seed as number,
    stage: row.stage as string,
    status: row.status as JobStatus,
    attempts: row.attempts as number,
    cacheKey: (row.cache_key as string | null) ?? null,
    cacheHit: row.cache_hit === 1,
    outputs: JSON.parse(row.outputs_json as string),
    details: row.details_json ? JSON.parse(row.details_json as string) : null,
    warnings: JSON.parse(row.warnings_json as string),
    error: (row.error as string | null) ?? null,
    startedAt: (row.started_at as string | null) ?? null,
    finishedAt: (row.finished_at as string | null) ?? null,
    durationMs: (row.duration_ms as number | null) ?? null,
    costUsd: (row.cost_usd as number | null) ?? null,
  };
}
