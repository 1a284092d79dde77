import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AtelierError, type AtelierErrorCode } from '../errors.ts';
import { runningCompiled, siblingModule } from '../util/compiled-layout.ts';
import type { ActiveRun, StudioEvent } from './api-types.ts';
import type { CampaignEntry } from './campaign-catalog.ts';
import type { RunProcessMessage, RunProcessRequest } from './run-process-protocol.ts';

export type { ActiveRun, StudioEvent } from './api-types.ts';

export type StudioEventListener = (event: StudioEvent) => void;

interface Tracked {
  child: ChildProcess;
  active: ActiveRun;
  exited: Promise<void>;
}

const runProcessPath = fileURLToPath(siblingModule('./run-process.ts', import.meta.url));
// Run from the sources, the child runs them through tsx too, resolved from this package (not
// the studio's working folder, which may be any designer's workspace); compiled, it needs none.
const childLoader = runningCompiled
  ? []
  : ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href];

/**
 * Starts runs in child processes and relays their events. One run per campaign at a time; the
 * server never renders on its own event loop, and a crash while rendering cannot take the
 * studio down. Stopping a run lets the jobs in flight finish, so it resumes exactly.
 */
export class RunManager {
  private readonly runs = new Map<string, Tracked>();
  /** Processes forked but not yet past `run-started`, by campaign. */
  private readonly starting = new Map<string, ChildProcess>();
  private readonly listeners = new Set<StudioEventListener>();

  /** Starts (or resumes) a run and resolves once the run has an id, or rejects with why it could not start. */
  start(entry: CampaignEntry, request: { fresh?: boolean; resume?: string } = {}): Promise<ActiveRun> {
    const existing = this.runs.get(entry.id);
    if (existing || this.starting.has(entry.id)) {
      const which = existing ? ` (run ${existing.active.runId})` : '';
      return Promise.reject(
        new AtelierError('RUN_IN_PROGRESS', `Campaign "${entry.id}" is already running${which}`),
      );
    }
    const child = fork(runProcessPath, [], {
      cwd: entry.projectDirectory,
      execArgv: childLoader,
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    this.starting.set(entry.id, child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const message: RunProcessRequest = { type: 'start', configPath: entry.configPath, ...request };
    child.send(message);

    return new Promise<ActiveRun>((resolve, reject) => {
      let tracked: Tracked | undefined;
      let finished = false;
      const exited = new Promise<void>((resolveExit) => {
        child.on('exit', (code, signal) => {
          resolveExit();
          if (this.starting.get(entry.id) === child) this.starting.delete(entry.id);
          if (!tracked) {
            reject(
              new AtelierError(
                'STAGE_FAILED',
                `The run process for "${entry.id}" exited before starting (${signal ?? code})`,
                {
                  details: stderr.trim() ? stderr.trim().split('\n').slice(-8) : [],
                },
              ),
            );
            return;
          }
          this.forget(entry.id, tracked);
          if (!finished) {
            this.publish({
              type: 'run-state',
              campaignId: entry.id,
              runId: tracked.active.runId,
              state: 'crashed',
              message: `the run process exited (${signal ?? `status ${code}`})${stderr.trim() ? `: ${stderr.trim().split('\n').at(-1)}` : ''}`,
            });
          }
        });
      });
      child.on('message', (received: RunProcessMessage) => {
        if (received.type === 'error') {
          finished = true;
          const error = new AtelierError(
            (received.code as AtelierErrorCode) ?? 'STAGE_FAILED',
            received.message,
            {
              details: received.details,
            },
          );
          if (!tracked) {
            this.starting.delete(entry.id);
            reject(error);
          } else
            this.publish({
              type: 'run-state',
              campaignId: entry.id,
              runId: tracked.active.runId,
              state: 'crashed',
              message: received.message,
            });
          return;
        }
        if (received.type === 'done' || received.type === 'stopped') {
          finished = true;
          if (tracked) {
            this.forget(entry.id, tracked);
            this.publish({
              type: 'run-state',
              campaignId: entry.id,
              runId: tracked.active.runId,
              ...(received.type === 'done'
                ? { state: 'finished', summary: received.summary }
                : { state: 'stopped' }),
            });
          }
          return;
        }
        const { event } = received;
        if (event.type === 'run-started' && !tracked) {
          tracked = {
            child,
            exited,
            active: {
              campaignId: entry.id,
              runId: event.runId,
              state: 'running',
              resumed: event.resumed,
              startedAt: new Date().toISOString(),
              stages: event.stages,
              totalJobs: event.totalJobs,
              finishedJobs: 0,
              failedChains: 0,
            },
          };
          this.runs.set(entry.id, tracked);
          this.starting.delete(entry.id);
          resolve({ ...tracked.active });
        }
        if (!tracked) return;
        if (event.type === 'job-finished') tracked.active.finishedJobs++;
        if (event.type === 'chain-failed') tracked.active.failedChains++;
        this.publish({ type: 'run', campaignId: entry.id, runId: tracked.active.runId, event });
      });
    });
  }

  /** Drops a run from the active ones, unless a newer run of the campaign has taken its place. */
  private forget(campaignId: string, tracked: Tracked): void {
    if (this.runs.get(campaignId) === tracked) this.runs.delete(campaignId);
  }

  /** Asks a campaign's run to stop after its jobs in flight; undefined when none is running. */
  stop(campaignId: string, runId?: string): ActiveRun | undefined {
    const tracked = this.runs.get(campaignId);
    if (!tracked || (runId && tracked.active.runId !== runId)) return undefined;
    if (tracked.active.state !== 'stopping') {
      tracked.active.state = 'stopping';
      const message: RunProcessRequest = { type: 'stop' };
      if (tracked.child.connected) tracked.child.send(message);
      this.publish({ type: 'run-state', campaignId, runId: tracked.active.runId, state: 'stopping' });
    }
    return { ...tracked.active };
  }

  active(): ActiveRun[] {
    return [...this.runs.values()].map((tracked) => ({ ...tracked.active }));
  }

  activeFor(campaignId: string): ActiveRun | undefined {
    const tracked = this.runs.get(campaignId);
    return tracked ? { ...tracked.active } : undefined;
  }

  subscribe(listener: StudioEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  publish(event: StudioEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Stops every run (jobs in flight finish, up to `graceMs`), then kills what is left. */
  async close(graceMs = 15_000): Promise<void> {
    for (const child of this.starting.values()) child.kill('SIGKILL');
    const all = [...this.runs.values()];
    for (const tracked of all) this.stop(tracked.active.campaignId);
    await Promise.all(
      all.map(async (tracked) => {
        const timer = setTimeout(() => tracked.child.kill('SIGKILL'), graceMs);
        await tracked.exited;
        clearTimeout(timer);
      }),
    );
    this.listeners.clear();
  }
}
