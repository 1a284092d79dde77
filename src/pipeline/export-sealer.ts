import type { Campaign } from '../config/campaign-schema.ts';
import type { ContentSigner, CredentialAction } from '../credentials/content-credentials.ts';
import type { CachedResult, StoredOutput } from '../ledger/ledger.ts';
import type { Lockfile } from '../lock/lockfile.ts';
import type { LockEntry } from '../models/lock-entry.ts';
import type { StageDefinition } from '../stages/stage.ts';
import { hashOf } from '../util/canonical-json.ts';
import type { Workspace } from './workspace.ts';

/** What the ledger records of a sealed job: who signed, and each file's bytes before signing. */
export interface SealDetails {
  signer: string;
  fingerprint: string;
  /** `name mediaType` -> sha256 of the unsigned export (what `verify` re-renders exactly). */
  unsigned: Record<string, string>;
  /**
   * `name mediaType` -> the run whose id the file's credentials name: the run that first sealed
   * it (a re-run that comes to the same file keeps that copy). Absent in older records: this run.
   */
  sealedIn?: Record<string, string>;
}

export const sealKeyOf = (output: Pick<StoredOutput, 'name' | 'mediaType'>) =>
  `${output.name} ${output.mediaType}`;

const extensions: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/**
 * Signs the final stage's files with Content Credentials as the run records them: the stage's
 * own output stays deterministic and cached by content, and the signed copy (a new artifact) is
 * what the run folder, the ledger, the studio and the approved-set zip hold. Signing is cached
 * per (file, signer, what made it): a resumed run does not sign twice, and a re-run that comes to
 * the same file (same unsigned bytes, stage cache key, lock and actions) keeps the copy sealed
 * by the run that first made it, whose id its credentials name, instead of signing (and storing)
 * every export again.
 */
export class ExportSealer {
  constructor(
    private readonly options: {
      signer: ContentSigner;
      campaign: Campaign;
      lock: Lockfile;
      stages: ReadonlyMap<string, StageDefinition<unknown>>;
      workspace: Workspace;
      runId: string;
    },
  ) {}

  /** The C2PA actions of every stage before the final one, in order. */
  private actionsBefore(stageIndex: number): CredentialAction[] {
    const { campaign, lock, stages } = this.options;
    const models: Record<string, LockEntry> = lock.models as Record<string, LockEntry>;
    return campaign.pipeline.stages.slice(0, stageIndex + 1).flatMap((stage) => {
      const action = stages.get(stage.name)?.credentialAction?.(stage.params, models);
      return action ? [action] : [];
    });
  }

  async seal(
    job: { shotId: string; seed: number; stageIndex: number; cacheKey: string },
    record: CachedResult,
  ): Promise<CachedResult> {
    const { signer, workspace, runId, campaign, lock } = this.options;
    const actions = this.actionsBefore(job.stageIndex);
    const sealed: StoredOutput[] = [];
    const unsigned: Record<string, string> = {};
    const sealedIn: Record<string, string> = {};
    for (const output of record.outputs) {
      const sealKey = sealKeyOf(output);
      unsigned[sealKey] = output.sha256;
      const [last, ...earlier] = [...actions].reverse();
      const finalAction: CredentialAction | undefined = last && {
        ...last,
        parameters: { ...last.parameters, crop: output.name, width: output.width, height: output.height },
      };
      const provenance = {
        run: runId,
        campaign: campaign.campaign,
        shot: job.shotId,
        seed: job.seed,
        stageCacheKey: job.cacheKey,
        unsignedSha256: output.sha256,
        models: Object.fromEntries(Object.entries(lock.models).map(([role, entry]) => [role, hashOf(entry)])),
      };
      const { run: _sealedInRun, ...madeBy } = provenance;
      const key = hashOf({ seal: 2, fingerprint: signer.fingerprint, madeBy, actions });
      const cached = workspace.ledger.cached(key);
      const kept = cached?.outputs[0];
      if (kept && (await workspace.store.has(kept.sha256))) {
        sealed.push(kept);
        sealedIn[sealKey] = typeof cached.details?.run === 'string' ? cached.details.run : runId;
        continue;
      }
      const bytes = await workspace.store.get(output.sha256);
      if (!bytes) throw new Error(`artifact ${output.sha256} vanished from the store before signing`);
      const signedBytes = await signer.sign(bytes, output.mediaType, {
        title: `${job.shotId}-${job.seed}-${output.name}.${extensions[output.mediaType] ?? 'img'}`,
        actions: [...earlier.reverse(), ...(finalAction ? [finalAction] : [])],
        provenance,
      });
      const signed: StoredOutput = {
        ...output,
        sha256: await workspace.store.put(signedBytes),
        byteLength: signedBytes.byteLength,
      };
      workspace.ledger.recordArtifact(signed);
      workspace.ledger.storeCached(key, 'credentials', { outputs: [signed], details: { run: runId } });
      sealed.push(signed);
      sealedIn[sealKey] = runId;
    }
    const credentials: SealDetails = {
      signer: signer.subject,
      fingerprint: signer.fingerprint,
      unsigned,
      sealedIn,
    };
    return { ...record, outputs: sealed, details: { ...record.details, credentials } };
  }
}
