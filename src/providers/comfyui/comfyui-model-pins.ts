import { AtelierError } from '../../errors.ts';
import type { ComfyuiClient } from './comfyui-client.ts';
import { type ComfyuiWorkflow, describeNode } from './comfyui-workflow.ts';

const sha256Pattern = /^(?:0x)?([0-9a-f]{64})$/i;

/** The sha256 a safetensors header declares (ModelSpec's `modelspec.hash_sha256`), if any. */
function reportedSha256(metadata: Record<string, unknown> | undefined): string | undefined {
  const value = metadata?.['modelspec.hash_sha256'];
  return typeof value === 'string' ? sha256Pattern.exec(value.trim())?.[1]?.toLowerCase() : undefined;
}

/**
 * Pins each model file a workflow loads by content, one line per file:
 * `checkpoints/sd_xl_base_1.0.safetensors sha256=31e3… size=6938078334`. The sha256 is the one
 * the config declares (`providers.comfyui.modelHashes`, by file name or `folder/name`), else the
 * one the file's safetensors header reports through `/view_metadata`; `sha256=undeclared` when
 * neither says. The size comes from `/experiment/models/{folder}`. A file the server does not
 * have, or whose reported hash differs from the declared one, is refused naming the node.
 */
export async function pinModelFiles(
  client: ComfyuiClient,
  workflow: ComfyuiWorkflow,
  declared: Readonly<Record<string, string>> = {},
  signal?: AbortSignal,
): Promise<string[]> {
  const listings = new Map<string, Awaited<ReturnType<ComfyuiClient['modelFiles']>>>();
  const pins: string[] = [];
  for (const file of workflow.modelFiles) {
    if (!listings.has(file.folder)) listings.set(file.folder, await client.modelFiles(file.folder, signal));
    const listing = listings.get(file.folder);
    const found = listing?.find((candidate) => candidate.name === file.name);
    if (!found) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        `ComfyUI workflow ${workflow.path}: ${describeNode(workflow.graph, file.node)} loads ${file.folder}/${file.name}, which the server does not have (its ${file.folder}: ${listing?.map((entry) => entry.name).join(', ') || 'none'})`,
      );
    }
    const declaredValue = declared[`${file.folder}/${file.name}`] ?? declared[file.name];
    const declaredHash = declaredValue ? sha256Pattern.exec(declaredValue)?.[1]?.toLowerCase() : undefined;
    const reported = reportedSha256(await client.modelMetadata(file.folder, file.name, signal));
    if (declaredHash && reported && declaredHash !== reported) {
      throw new AtelierError(
        'MODEL_UNAVAILABLE',
        `ComfyUI server's ${file.folder}/${file.name} is not the declared file: providers.comfyui.modelHashes says sha256 ${declaredHash}, its safetensors header says ${reported}`,
      );
    }
    const hash = declaredHash ?? reported ?? 'undeclared';
    pins.push(`${file.folder}/${file.name} sha256=${hash} size=${found.size ?? 'unknown'}`);
  }
  return pins;
}
