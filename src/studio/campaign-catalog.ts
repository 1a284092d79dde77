import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, relative, resolve, sep } from 'node:path';
import {
  type CampaignValidationContext,
  configFileName,
  type LoadedCampaign,
  loadCampaign,
} from '../config/load-campaign.ts';
import { AtelierError, describeError } from '../errors.ts';
import { configFileOf } from '../ledger/ledger.ts';
import { openWorkspace, stateDirectoryOf, type Workspace } from '../pipeline/workspace.ts';
import { campaignValidationContext } from '../runtime/wiring.ts';
import { sha256 } from '../util/canonical-json.ts';
import { isRealPathInside } from '../util/read-regular-file.ts';
import { redactSecrets } from '../util/redact-secrets.ts';
import { LedgerViews } from './ledger-views.ts';

/** A campaign config found in the studio's workspace folder. */
export interface CampaignEntry {
  /** URL-safe id: the project folder relative to the workspace, `/` written as `~`. */
  readonly id: string;
  readonly configPath: string;
  /** The config's path in its project folder: how the project's ledger keys its runs. */
  readonly configFile: string;
  readonly projectDirectory: string;
  /** The config path relative to the workspace folder, for display. */
  readonly relativePath: string;
}

/** The config loaded and validated (with the sha256 of its text), or why it could not be. */
export type CampaignLoad =
  | { loaded: LoadedCampaign; configSha256: string; error?: undefined }
  | { loaded?: undefined; configSha256?: undefined; error: string };

const skippedFolders = new Set(['node_modules', 'runs']);

/**
 * Finds `atelier.yaml` files in a folder and up to `depth` levels below it (e.g.
 * `examples/spring-launch/atelier.yaml`), skipping hidden folders, `node_modules` and run output.
 * Links are not followed out of the folder: a config that is a link to a file elsewhere is
 * left out, and linked folders are not entered.
 */
export async function discoverCampaigns(root: string, depth = 2): Promise<CampaignEntry[]> {
  const workspace = resolve(root);
  const found: string[] = [];
  const visit = async (directory: string, level: number): Promise<void> => {
    const config = join(directory, configFileName);
    if (existsSync(config) && (await isRealPathInside(config, workspace))) found.push(directory);
    if (level >= depth) return;
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(directory, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.') || skippedFolders.has(entry.name)) continue;
      await visit(join(directory, entry.name), level + 1);
    }
  };
  await visit(workspace, 0);
  const used = new Set<string>();
  return found.map((projectDirectory) => {
    const folder = relative(workspace, projectDirectory);
    let id = folder === '' ? safeId(basename(workspace)) : folder.split(sep).map(safeId).join('~');
    while (used.has(id)) id = `${id}~`;
    used.add(id);
    const configPath = join(projectDirectory, configFileName);
    return {
      id,
      configPath,
      configFile: configFileOf(configPath),
      projectDirectory,
      relativePath: relative(workspace, configPath),
    };
  });
}

function safeId(segment: string): string {
  const cleaned = segment.replace(/[^A-Za-z0-9_.-]/g, '-').replace(/^\.+/, '');
  return cleaned === '' ? 'campaign' : cleaned;
}

/**
 * The campaigns of the studio's workspace and their ledgers. Configs are re-read when their
 * file changes, so an edit in the designer's editor shows up on the next page load; each
 * project's ledger is opened once and kept open (it is only created by a first run, never by
 * browsing), with the views computed from it (`views`).
 */
export class CampaignCatalog {
  private readonly workspaces = new Map<string, { workspace: Workspace; views: LedgerViews }>();
  private entries: CampaignEntry[] = [];
  private scanning: Promise<CampaignEntry[]> | undefined;
  /** Loaded configs by path, with the file's identity when read (and the load in flight). */
  private readonly loads = new Map<string, { file: string; load: Promise<CampaignLoad> }>();
  private readonly looking = new Map<string, Promise<string>>();
  private context: CampaignValidationContext | undefined;

  constructor(readonly root: string) {}

  /** Rescans the workspace folder; requests arriving during a scan share it. */
  list(): Promise<CampaignEntry[]> {
    this.scanning ??= discoverCampaigns(this.root)
      .then((entries) => {
        this.entries = entries;
        return entries;
      })
      .finally(() => {
        this.scanning = undefined;
      });
    return this.scanning;
  }

  async get(id: string): Promise<CampaignEntry | undefined> {
    return (
      this.entries.find((entry) => entry.id === id) ?? (await this.list()).find((entry) => entry.id === id)
    );
  }

  async require(id: string): Promise<CampaignEntry> {
    const entry = await this.get(id);
    if (!entry) throw new AtelierError('CONFIG_NOT_FOUND', `No campaign "${id}" in ${this.root}`);
    return entry;
  }

  /**
   * Reads and validates the campaign's config as `atelier run` would, again only when the file
   * changed since (its size, modification time or inode): validating runs the whole wiring, too
   * much to redo for every request of a busy page.
   */
  async load(entry: CampaignEntry): Promise<CampaignLoad> {
    const file = await this.fileIdentity(entry.configPath);
    const known = this.loads.get(entry.configPath);
    if (known?.file === file) return known.load;
    const load = this.loadNow(entry);
    this.loads.set(entry.configPath, { file, load });
    return load;
  }

  /** Requests arriving while a config's file is being looked at share the look. */
  private fileIdentity(path: string): Promise<string> {
    let pending = this.looking.get(path);
    if (!pending) {
      pending = stat(path)
        .then(
          (stats) => `${stats.ino}:${stats.size}:${stats.mtimeMs}:${stats.ctimeMs}`,
          () => 'missing',
        )
        .finally(() => this.looking.delete(path));
      this.looking.set(path, pending);
    }
    return pending;
  }

  private async loadNow(entry: CampaignEntry): Promise<CampaignLoad> {
    try {
      this.context ??= campaignValidationContext();
      const loaded = await loadCampaign(entry.configPath, this.context);
      return { loaded, configSha256: sha256(loaded.source) };
    } catch (error) {
      const details = AtelierError.isInstance(error)
        ? error.details.map((line) => `\n${redactSecrets(line)}`).join('')
        : '';
      return { error: `${describeError(error)}${details}` };
    }
  }

  /** The project's ledger and store, or undefined while the project has never been run. */
  workspace(entry: CampaignEntry): Workspace | undefined {
    return this.opened(entry)?.workspace;
  }

  /** Views computed from the project's ledger, kept until it changes (see `LedgerViews`). */
  views(entry: CampaignEntry): LedgerViews | undefined {
    return this.opened(entry)?.views;
  }

  private opened(entry: CampaignEntry): { workspace: Workspace; views: LedgerViews } | undefined {
    const open = this.workspaces.get(entry.projectDirectory);
    if (open) return open;
    if (!existsSync(join(stateDirectoryOf(entry.projectDirectory), 'atelier.db'))) return undefined;
    const workspace = openWorkspace(entry.projectDirectory);
    const opened = { workspace, views: new LedgerViews(workspace.ledger) };
    this.workspaces.set(entry.projectDirectory, opened);
    return opened;
  }

  close(): void {
    for (const { workspace } of this.workspaces.values()) workspace.close();
    this.workspaces.clear();
  }
}
