import { join } from 'node:path';

const extensions: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

export function extensionFor(mediaType: string): string {
  return extensions[mediaType] ?? 'bin';
}

/** `runs/` under the project folder. */
export function runsDirectory(projectDirectory: string): string {
  return join(projectDirectory, 'runs');
}

export function runDirectory(projectDirectory: string, runId: string): string {
  return join(runsDirectory(projectDirectory), runId);
}

/** `runs/<run>/<shot>/seed-<seed>[/attempt-<k>]`: a re-rolled attempt keeps its own folder. */
export function chainDirectory(runDir: string, shotId: string, seed: number, attempt: number): string {
  const base = join(runDir, shotId, `seed-${seed}`);
  return attempt === 0 ? base : join(base, `attempt-${attempt}`);
}

/** `01-compose.png`, `04-export-4x5.webp`; the manifest sits beside it as `<file>.json`. */
export function outputFileName(stageIndex: number, stage: string, name: string, mediaType: string): string {
  const number = String(stageIndex + 1).padStart(2, '0');
  return `${number}-${stage}${name ? `-${name}` : ''}.${extensionFor(mediaType)}`;
}
