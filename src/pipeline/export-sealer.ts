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
}

export const sealKeyOf = (output: Pick<StoredOutput, 'name' | 'mediaType'>) =>
  `${output.name} ${output.mediaType}`;

const extensions: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

/**
 * Signs the final stage's files with Content Credentials as the run records them: the stage's
 * own output stays deterministic and cached by content, and the signed copy (a new artifact) is
 * what the run folder, the ledger, the studio and the approved-set zip hold. Signing is cached
 * per (run, file, signer), so a resumed run does not sign twice; another run signs afresh, with
 * its own run id in the credentials.
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
    for (const output of record.outputs) {
      unsigned[sealKeyOf(output)] = output.sha256;
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
      const key = hashOf({ seal: 1, fingerprint: signer.fingerprint, provenance, actions });
      const kept = workspace.ledger.cached(key)?.outputs[0];
      if (kept && (await workspace.store.has(kept.sha256))) {
        sealed.push(kept);
        continue;
      }
      const bytes = await workspace.store.get(output.sha256);
      if (!bytes) throw new Error(`artifact ${output.sha256} vanished from the store before signing`);
      const signedBytes = signer.sign(bytes, output.mediaType, {
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
      workspace.ledger.storeCached(key, 'credentials', { outputs: [signed] });
      sealed.push(signed);
    }
    const credentials: SealDetails = { signer: signer.subject, fingerprint: signer.fingerprint, unsigned };
    return { ...record, outputs: sealed, details: { ...record.details, credentials } };
  }
}
