/**
 * What a role's model resolved to, exactly enough to tell whether tomorrow's run uses the same
 * thing. Built-ins record their package and a sha256 of their implementation or weights;
 * remote providers record the provider's model id and version or snapshot.
 */
export interface LockEntry {
  /** The reference as written in the config, e.g. `builtin:draft`. */
  reference: string;
  provider: string;
  modelId: string;
  version?: string;
  /** The npm package that ships the implementation or weights. */
  package?: { name: string; version: string };
  /** sha256 of the implementation source or weights file(s). */
  sha256?: string;
  /** Provider-specific pins (workflow hash, checkpoint names, snapshot ids...). */
  extra?: Record<string, string | string[]>;
}

/**
 * The `extra` key marking a version that `atelier lock` resolved for an unpinned reference (the
 * provider's latest version at that moment). Runs reuse such an entry and send its version,
 * rather than asking the provider again; `atelier lock` re-resolves it.
 */
export const versionResolvedAtLock = 'versionResolvedAtLock';

/** Whether a lock entry pins a version the config did not name (resolved by `atelier lock`). */
export function isResolvedAtLock(entry: LockEntry | undefined): boolean {
  return entry?.extra?.[versionResolvedAtLock] !== undefined && entry.version !== undefined;
}
