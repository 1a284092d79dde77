/**
 * The studio's JSON API as the browser sees it: the body of every response the front end reads,
 * and the messages of the event stream. Types only, importing nothing with code or Node types,
 * so the front end's JSDoc can import them (`src/studio/web/tsconfig.json`) without pulling the
 * server into the browser's type check.
 *
 * The server builds its responses against these types (`studio-views.ts`, `studio-app.ts`,
 * `event-stream.ts`), so a change on either side that breaks the other fails `npm run typecheck`.
 * The ledger's and the pipeline's records are re-exported from their own types-only modules.
 */
import type { JobStatus, ReviewRecord, RunStatus, StoredOutput } from '../ledger/ledger-records.ts';
import type { LockEntry } from '../models/lock-entry.ts';
import type { RunEvent, RunSummary } from '../pipeline/run-events.ts';

// --- Records of the ledger, as sent ---------------------------------------------------------

export type {
  JobStatus,
  ReviewDecision,
  ReviewRecord,
  RunStatus,
  StoredOutput,
} from '../ledger/ledger-records.ts';

export type { RunEvent, RunSummary } from '../pipeline/run-events.ts';

/** The models a run was made with, as locked (`atelier.lock.json`). */
export interface RunLock {
  lockfileVersion?: number;
  models?: Record<string, LockEntry>;
}

// --- Runs in progress and the event stream --------------------------------------------------

/** A run the studio started and is watching. */
export interface ActiveRun {
  campaignId: string;
  runId: string;
  state: 'running' | 'stopping';
  resumed: boolean;
  startedAt: string;
  stages: string[];
  totalJobs: number;
  finishedJobs: number;
  failedChains: number;
}

/** An event-stream message named `studio`: run progress, run state changes, new reviews. */
export type StudioEvent =
  | { type: 'run'; campaignId: string; runId: string; event: RunEvent }
  | {
      type: 'run-state';
      campaignId: string;
      runId: string;
      /** `finished` carries the summary; `stopped` was interrupted on request; `crashed` says why. */
      state: ActiveRun['state'] | 'finished' | 'stopped' | 'crashed';
      summary?: RunSummary;
      message?: string;
    }
  | { type: 'review'; campaignId: string; runId: string; review: ReviewRecord };

/** The first event-stream message, named `snapshot`: the runs in progress. */
export interface EventSnapshot {
  active: ActiveRun[];
}

// --- Briefs ---------------------------------------------------------------------------------

/** A shot of a campaign's config, as the Briefs page lists it. */
export interface ShotSummary {
  id: string;
  prompt: string;
  headline: string | null;
  /** Images the shot makes per run. */
  seeds: number;
}

/** One row of a campaign's run list; `current` when the config has not changed since. */
export interface RunListEntry {
  id: string;
  status: RunStatus;
  createdAt: string;
  finishedAt: string | null;
  current: boolean;
  chains: number | null;
  succeeded: number | null;
  failed: number | null;
  failures: RunSummary['failures'];
  wallMs: number | null;
  approved: number;
  rejected: number;
}

/** `GET /api/campaigns/:campaign`: config summary (or why it does not load), runs, active run. */
export interface CampaignDescription {
  id: string;
  name: string;
  relativePath: string;
  error: string | null;
  brand: {
    name?: string;
    palette: string[];
    fonts?: { headline?: string; body?: string };
  } | null;
  /** Model references by role, as configured. */
  models: Partial<Record<string, string>>;
  stages: string[];
  shots: ShotSummary[];
  runs: RunListEntry[];
  active: ActiveRun | null;
}

/** `GET /api/campaigns`: every campaign config in the workspace. */
export interface CampaignListResponse {
  campaigns: CampaignDescription[];
}

/** `POST .../runs`, `.../runs/:run/resume` and `.../runs/:run/stop` (202). */
export interface ActiveRunResponse {
  run: ActiveRun;
}

// --- Gallery --------------------------------------------------------------------------------

/** What a chain (one shot at one seed) looks like to a reviewer right now. */
export type ChainStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'stopped';

/** One stage of a chain's final attempt: what the stage strip shows. */
export interface StageCell {
  stageIndex: number;
  stage: string;
  status: JobStatus;
  /** The image to show for the stage: its primary output, else its first output. */
  thumbnail: StoredOutput | null;
  outputs: StoredOutput[];
  /** `details.score` when the stage reports one (e.g. the typography OCR score). */
  score: number | null;
  details: Record<string, unknown> | null;
  durationMs: number | null;
  cacheHit: boolean;
  costUsd: number | null;
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
}

/** One image of a run's gallery: a shot at one seed, its stages and its standing decision. */
export interface GalleryChain {
  shotId: string;
  seedIndex: number;
  /** The chain's seed (attempt 0), which names its folder. */
  seed: number;
  /** The attempt shown: re-rolls by a quality gate make later attempts with new seeds. */
  attempt: number;
  /** The seed the shown attempt rendered with. */
  renderSeed: number;
  prompt: string | null;
  headline: string | null;
  status: ChainStatus;
  reason: string | null;
  /** The reviewed image: the last primary output (the master crops are cut from). */
  image: StoredOutput | null;
  /** When the chain's last stage finished: the image was ready for review. */
  readyAt: string | null;
  stages: StageCell[];
  /** Reasons earlier attempts were re-rolled. */
  rerolls: Array<{ attempt: number; stage: string; reason: string }>;
  decision: ReviewRecord | null;
  comments: number;
  /** The shown image's prompt adherence as the judge scored it; null when no judge scored it. */
  adherence: ChainAdherence | null;
}

/** An image's prompt adherence: the share of its questions counted yes, and mean P(yes) when known. */
export interface ChainAdherence {
  score: number;
  meanPYes: number | null;
  judge: string;
}

/** Reviewers' verdicts against the judge's adherence: do they approve what it scores high? */
export interface AdherenceApproval {
  /** Reviewed images the judge scored. */
  judged: number;
  /** Mean adherence of the approved and of the rejected among them. */
  approvedMean: number | null;
  rejectedMean: number | null;
  /** Approval rate per adherence band (`low` inclusive, `high` exclusive but 1 is in the top band). */
  bands: Array<{
    band: string;
    low: number;
    high: number;
    reviewed: number;
    approved: number;
    approvalRate: number | null;
  }>;
}

/** The run record as the gallery gets it, with its summary. */
export interface GalleryRun {
  id: string;
  campaign: string;
  configPath: string;
  configSha256: string;
  configSource: string;
  lock: unknown;
  status: RunStatus;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  summary: RunSummary | null;
}

/** `GET /api/campaigns/:campaign/runs/:run`: the gallery of one run. */
export interface RunGalleryResponse {
  campaign: { id: string; name: string; relativePath: string };
  /** Whether the campaign's config is still the one the run was made from. */
  current: boolean;
  /** The run, when it is the one in progress in this studio. */
  active: ActiveRun | null;
  run: GalleryRun;
  stages: string[];
  chains: GalleryChain[];
  counts: Record<ChainStatus | 'approved' | 'rejected' | 'unreviewed', number>;
}

/** An output of a chain with the manifest the run folder keeps beside it. */
export interface ChainOutputDetail {
  stageIndex: number;
  stage: string;
  /** `01-compose.png`, `04-export-4x5.webp`... as in the run folder. */
  fileName: string;
  output: StoredOutput;
  manifest: Record<string, unknown> | null;
  /** The file's Content Credentials as a C2PA reader validates them; null for unsigned stages. */
  credentials: CredentialsBadge | null;
}

/** What the studio shows of an exported file's Content Credentials. */
export interface CredentialsBadge {
  /** `valid`: intact, signer not trusted here (e.g. a development certificate). */
  state: 'trusted' | 'valid' | 'invalid' | 'none';
  signer: string | null;
  /** The C2PA actions in order, e.g. `c2pa.created (builtin:draft)`. */
  actions: string[];
}

/** `GET .../runs/:run/chains/:shot/:seedIndex`: one image in detail. */
export interface ChainDetailResponse {
  campaign: { id: string; name: string };
  run: { id: string; status: RunStatus; createdAt: string; lock: RunLock | null };
  chain: GalleryChain;
  outputs: ChainOutputDetail[];
  /** Reviews of this shot and seed in every run of the config, oldest first. */
  history: ReviewRecord[];
  /** The runs that rendered this shot and seed (this one included). */
  otherRuns: Array<{ id: string; createdAt: string; status: RunStatus; image: StoredOutput | null }>;
}

/** `POST .../runs/:run/reviews` (201). */
export interface ReviewResponse {
  review: ReviewRecord;
}

// --- Metrics --------------------------------------------------------------------------------

/** How long one shot took from its first image being ready to its approval. */
export interface ShotApproval {
  shotId: string;
  /** When the first image of the shot (any seed, any run) was ready for review. */
  firstReadyAt: string | null;
  /** The first approval that still stands (the image was not rejected afterwards). */
  approvedAt: string | null;
  approvedBy: string | null;
  timeToApprovalMs: number | null;
  /** Reject decisions on the shot's images, in every run. */
  rejections: number;
  /** Distinct images rendered for the shot across runs. */
  renders: number;
}

/** How the images a model took part in fared in review. */
export interface ModelApproval {
  role: string;
  /** The model reference as locked, e.g. `builtin:draft`. */
  model: string;
  /** Images with a standing decision that this model helped make. */
  reviewed: number;
  approved: number;
  rejected: number;
  /** approved / reviewed, or null before any review. */
  approvalRate: number | null;
  /** Rework: rejected images plus automatic re-rolls by a quality gate at this role's stage. */
  rework: number;
  rerolls: number;
}

/** Review metrics of one campaign (every run of one config file). */
export interface CampaignMetrics {
  campaign: string;
  /** The config's path in its project folder (`atelier.yaml`). */
  configFile: string;
  shots: ShotApproval[];
  totalShots: number;
  approvedShots: number;
  medianTimeToApprovalMs: number | null;
  meanTimeToApprovalMs: number | null;
  reviewed: number;
  approved: number;
  approvalRate: number | null;
  models: ModelApproval[];
  /** Present when a judge scored any reviewed image of the campaign. */
  adherence: AdherenceApproval | null;
}

/** `GET /api/metrics`: campaigns with reviewed images, and every model across them. */
export interface MetricsResponse {
  campaigns: Array<CampaignMetrics & { id: string }>;
  models: ModelApproval[];
}

// --- Errors ---------------------------------------------------------------------------------

/** The body of every non-2xx JSON answer. */
export interface ApiErrorBody {
  error: string;
  code?: string;
  details?: readonly string[];
}
