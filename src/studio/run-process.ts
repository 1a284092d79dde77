// The child process that renders one studio run, so image work never blocks the studio's
// server. The studio sends one `start` message over IPC; this process sends back every run
// event, then `done` or `error`, and exits. `stop` (or the studio going away) stops the run
// after the jobs in flight, exactly like Ctrl-C in `atelier run`, so it can be resumed.
import { AtelierError, describeError } from '../errors.ts';
import { runCampaign } from '../pipeline/run-campaign.ts';
import { openWorkspace } from '../pipeline/workspace.ts';
import { loadCampaignWithRegistry, signingFor } from '../runtime/wiring.ts';
import type { RunProcessMessage, RunProcessRequest } from './run-process-protocol.ts';

const send = (message: RunProcessMessage) =>
  new Promise<void>((resolve) => {
    if (!process.send || !process.connected) return resolve();
    process.send(message, undefined, {}, () => resolve());
  });

// Warnings reach the studio through manifests and the run summary, not the console.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const controller = new AbortController();

async function render(request: Extract<RunProcessRequest, { type: 'start' }>): Promise<void> {
  let runId: string | undefined;
  let projectDirectory: string | undefined;
  try {
    const { loaded, registry } = await loadCampaignWithRegistry(request.configPath);
    projectDirectory = loaded.projectDirectory;
    const summary = await runCampaign({
      ...(await signingFor(loaded)),
      loaded,
      registry,
      resume: request.resume,
      fresh: request.fresh,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === 'run-started') runId = event.runId;
        void send({ type: 'event', event });
      },
    });
    await send({ type: 'done', summary });
  } catch (error) {
    // A stop can reach a model call that is waiting for its turn; the call is abandoned with
    // an abort error rather than finishing. Everything done so far is in the ledger, so this is
    // a clean stop: record it as such, and the run resumes like any interrupted one.
    if (controller.signal.aborted && runId && projectDirectory) {
      const workspace = openWorkspace(projectDirectory);
      workspace.ledger.setRunStatus(runId, 'interrupted');
      workspace.close();
      await send({ type: 'stopped', runId });
      process.exit();
    }
    await send({
      type: 'error',
      code: AtelierError.isInstance(error) ? error.code : undefined,
      message: describeError(error),
      details: AtelierError.isInstance(error) ? [...error.details] : [],
    });
    process.exitCode = 1;
  }
  // Everything is recorded and reported; do not wait on handles a model may have left open.
  process.exit();
}

process.on('message', (message: RunProcessRequest) => {
  if (message.type === 'start') void render(message);
  else if (message.type === 'stop') controller.abort();
});
// The studio went away: stop cleanly rather than render on unwatched.
process.on('disconnect', () => controller.abort());
