/**
 * The ledger's records as plain types, with no code: shared by the ledger, the pipeline and the
 * studio's API types (which the browser's type check reads without Node).
 */
export type RunStatus = 'running' | 'completed' | 'failed' | 'interrupted';
export type JobStatus = 'pending' | 'running' | 'done' | 'failed' | 'rejected';

export interface RunRecord {
  id: string;
  campaign: string;
  /** Where the config was when the run was made (absolute; shown, never used to find runs). */
  configPath: string;
  /**
   * The config's path relative to its project folder (`atelier.yaml`): how a campaign's runs
   * are found in the project's ledger, so its history follows the project when it is moved or
   * copied.
   */
  configFile: string;
  configSha256: string;
  /** The config text the run was made from, so `verify` can re-render exactly that. */
  configSource: string;
  lock: unknown;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  summary: unknown;
}

export interface JobKey {
  runId: string;
  shotId: string;
  seedIndex: number;
  attempt: number;
  stageIndex: number;
}

export interface StoredOutput {
  name: string;
  sha256: string;
  mediaType: string;
  primary: boolean;
  width: number;
  height: number;
  byteLength: number;
}

export interface JobRecord extends JobKey {
  id: number;
  seed: number;
  stage: string;
  status: JobStatus;
  attempts: number;
  cacheKey: string | null;
  cacheHit: boolean;
  outputs: StoredOutput[];
  details: Record<string, unknown> | null;
  warnings: string[];
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  costUsd: number | null;
}

/** A reviewer's verdict on one image; `comment` leaves the current decision as it was. */
export type ReviewDecision = 'approve' | 'reject' | 'comment';
export const reviewDecisions: readonly ReviewDecision[] = ['approve', 'reject', 'comment'];

/**
 * One review of one image: the final image of a chain (shot at a seed) in a run, identified
 * by the sha256 of its master artifact. Reviews are only ever appended, so the history of a
 * shot survives re-renders: a later run of the same shot and seed shows what was said before.
 */
export interface ReviewRecord {
  id: number;
  runId: string;
  shotId: string;
  seedIndex: number;
  sha256: string;
  decision: ReviewDecision;
  reviewer: string;
  comment: string | null;
  createdAt: string;
}

export type NewReview = Omit<ReviewRecord, 'id' | 'createdAt' | 'comment'> & {
  comment?: string | null;
  /** When the review was made (ISO 8601); now when absent. */
  createdAt?: string;
};

export interface ReviewFilter {
  runId?: string;
  /** Reviews of every run made from this config file (project-relative, as `RunRecord.configFile`). */
  configFile?: string;
  shotId?: string;
  seedIndex?: number;
  sha256?: string;
}

export interface CachedResult {
  outputs: StoredOutput[];
  /** Set when a quality gate rejected the stage's input: a deterministic verdict, cached too. */
  rejected?: { reason: string; reroll: boolean };
  details?: Record<string, unknown>;
  warnings?: string[];
  costUsd?: number;
}

/** Adherence questions the judge wrote for a prompt, kept so they are written once per judge lock. */
export interface StoredQuestions {
  /** Hash of the prompt, the judge's lock entry and how questions are asked. */
  readonly key: string;
  readonly prompt: string;
  /** The judge's reference, as locked. */
  readonly judge: string;
  readonly questions: ReadonlyArray<{
    id: string;
    question: string;
    category: string;
    dependsOn: string[];
  }>;
  readonly createdAt: string;
}
