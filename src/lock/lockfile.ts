import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Campaign } from '../config/campaign-schema.ts';
import { type ModelReference, requireModelReference } from '../config/model-reference.ts';
import { AtelierError } from '../errors.ts';
import { isResolvedAtLock, type LockEntry } from '../models/lock-entry.ts';
import type { ModelRegistry } from '../models/model-registry.ts';
import { writeFileAtomic } from '../util/atomic-write.ts';
import { canonicalJson } from '../util/canonical-json.ts';

export const lockFileName = 'atelier.lock.json';
export const lockfileVersion = 1;

export interface Lockfile {
  lockfileVersion: number;
  models: Record<string, LockEntry>;
}

export function lockPathFor(projectDirectory: string): string {
  return join(projectDirectory, lockFileName);
}

/**
 * What each bound role resolves to right now. With `previous` (a run checking its lock), a
 * version `atelier lock` resolved for an unpinned reference is kept, not asked for again: the
 * run sends the version the lock pins.
 */
export async function resolveLock(
  campaign: Campaign,
  registry: ModelRegistry,
  previous?: Lockfile,
): Promise<Lockfile> {
  const models: Record<string, LockEntry> = {};
  for (const [role, raw] of Object.entries(campaign.models)) {
    if (raw === undefined) continue;
    const kept = previous?.models[role];
    if (kept && kept.reference === raw && isResolvedAtLock(kept)) {
      models[role] = kept;
      continue;
    }
    try {
      models[role] = await registry.lock(requireModelReference(raw));
    } catch (error) {
      if (AtelierError.isInstance(error)) {
        throw new AtelierError(error.code, `models.${role}: ${error.message}`, { cause: error });
      }
      throw error;
    }
  }
  return { lockfileVersion, models };
}

export async function readLockfile(path: string): Promise<Lockfile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as Lockfile;
    if (
      parsed.lockfileVersion !== lockfileVersion ||
      typeof parsed.models !== 'object' ||
      parsed.models === null
    ) {
      throw new Error(`expected lockfileVersion ${lockfileVersion} with a "models" object`);
    }
    return parsed;
  } catch (error) {
    throw new AtelierError('LOCK_INVALID', `Cannot read lockfile ${path}: ${(error as Error).message}`, {
      details: ['Delete it and run `atelier lock` to write a fresh one.'],
    });
  }
}

export async function writeLockfile(path: string, lock: Lockfile): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(sortedLock(lock), null, 2)}\n`);
}

function sortedLock(lock: Lockfile): Lockfile {
  return JSON.parse(canonicalJson(lock)) as Lockfile;
}

/** One line per difference, `role.field: lock has X, config resolves to Y`. Empty when equal. */
export function diffLocks(locked: Lockfile, current: Lockfile): string[] {
  const lines: string[] = [];
  const roles = [...new Set([...Object.keys(locked.models), ...Object.keys(current.models)])].sort();
  for (const role of roles) {
    const before = locked.models[role];
    const after = current.models[role];
    if (!before) {
      lines.push(`+ models.${role}: ${after!.reference} is not in the lock`);
      continue;
    }
    if (!after) {
      lines.push(`- models.${role}: ${before.reference} is locked but no longer in the config`);
      continue;
    }
    const fields = [
      ...new Set([...Object.keys(before), ...Object.keys(after)]),
    ].sort() as (keyof LockEntry)[];
    for (const field of fields) {
      const a = canonicalJson(before[field] ?? null);
      const b = canonicalJson(after[field] ?? null);
      if (a !== b) lines.push(`~ models.${role}.${field}: lock has ${a}, config resolves to ${b}`);
    }
  }
  return lines;
}

export interface LockCheck {
  lock: Lockfile;
  /** What happened to the lockfile: it matched, was created, or was updated on request. */
  action: 'matched' | 'created' | 'updated';
}

/**
 * Makes sure the config and the lockfile agree. A missing lock is written; a differing one is
 * refused with a readable diff unless `update` is set.
 */
export async function checkLock(
  campaign: Campaign,
  projectDirectory: string,
  registry: ModelRegistry,
  options: { update: boolean },
): Promise<LockCheck> {
  const path = lockPathFor(projectDirectory);
  const locked = await readLockfile(path);
  const current = await resolveLock(campaign, registry, locked);
  if (!locked) {
    await writeLockfile(path, current);
    return { lock: current, action: 'created' };
  }
  const differences = diffLocks(locked, current);
  if (differences.length === 0) return { lock: locked, action: 'matched' };
  if (options.update) {
    await writeLockfile(path, current);
    return { lock: current, action: 'updated' };
  }
  throw new AtelierError('LOCK_MISMATCH', `The config and ${path} disagree:`, {
    details: [...differences, 'Run `atelier lock` (or pass --update-lock) to accept the new models.'],
  });
}

/**
 * The reference a role's model is created from: as written, or with the version the lock
 * resolved for it when the config names none (so a run sends the pinned version).
 */
export function referenceAsLocked(raw: string, entry: LockEntry | undefined): ModelReference {
  const reference = requireModelReference(raw);
  if (reference.version || !isResolvedAtLock(entry)) return reference;
  return { ...reference, version: entry!.version };
}
