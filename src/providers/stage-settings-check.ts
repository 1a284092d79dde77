import type { ModelSettingsCheckInput, ModelSettingsProblem } from '../config/load-campaign.ts';
import { modelCallOptions } from '../config/validation-context.ts';
import { AtelierError } from '../errors.ts';
import { planImageShape, seedIgnoredMessage } from './call-settings.ts';
import { comfyuiCapabilities, readWorkflowFile } from './comfyui/comfyui-workflow.ts';
import { capabilitiesOf, type ModelCapabilities } from './provider-capabilities.ts';
import { comfyuiWorkflowPath } from './provider-registry.ts';
import { remoteProvider } from './provider-table.ts';

/** `providerOptions` keys every stage may pass whatever the model. */
const neutralOptionKeys = new Set(['builtin', 'atelier']);

/**
 * Checks a stage's settings against the model bound to its role, before any call: errors for
 * what cannot work (a stylize stage bound to a model that takes no input image, a version pin a
 * provider does not have, a missing ComfyUI workflow), warnings for what will work differently
 * than written (seed ignored, size mapped to an aspect ratio, provider options for another
 * provider, an unpinned Replicate model).
 */
export function checkModelSettings(input: ModelSettingsCheckInput): ModelSettingsProblem[] {
  const { reference, role, stage, stageIndex, campaign } = input;
  if (reference.provider === 'builtin') return [];
  const modelPath = ['models', role];
  const stagePath = ['pipeline', 'stages', stageIndex];
  const problems: ModelSettingsProblem[] = [];
  const error = (path: (string | number)[], message: string) =>
    problems.push({ path, message, severity: 'error' });
  const warn = (path: (string | number)[], message: string) =>
    problems.push({ path, message, severity: 'warning' });

  let capabilities: ModelCapabilities;
  if (reference.provider === 'comfyui') {
    try {
      const path = comfyuiWorkflowPath(reference, campaign.providers?.comfyui, input.projectDirectory);
      const workflow = readWorkflowFile(path);
      // A workflow where the shot cannot be placed unambiguously is refused before any call.
      for (const problem of workflow.bindings.problems) error(modelPath, problem);
      capabilities = comfyuiCapabilities(workflow, `comfyui:${reference.modelId}`);
    } catch (failure) {
      error(modelPath, AtelierError.isInstance(failure) ? failure.message : String(failure));
      return problems;
    }
  } else {
    capabilities = capabilitiesOf(reference.provider, reference.modelId);
  }
  const { label } = capabilities;

  if (reference.version && !remoteProvider(reference.provider)?.versioned) {
    error(
      modelPath,
      `${reference.provider} models have no @version: name a dated snapshot in the model id instead`,
    );
  }
  if (reference.provider === 'replicate' && !reference.version) {
    warn(
      modelPath,
      `${label} is not pinned to a version: \`atelier lock\` pins the version Replicate reports as latest, and runs send that one (or pin it here as replicate:${reference.modelId}@<version id>)`,
    );
  }
  if (!capabilities.known) {
    warn(
      modelPath,
      `Atelier does not know which settings ${label} honours: size, aspect ratio and seed are sent as given`,
    );
  }
  if (input.sendsInputImage && !capabilities.imageInput) {
    error(
      modelPath,
      `${label} cannot take an input image, and the ${stage.name} stage sends it one: bind a model that edits images (e.g. openai:gpt-image-1)${input.withoutInputImage ? `, or ${input.withoutInputImage}` : ''}`,
    );
  }
  if (!capabilities.seed) warn(modelPath, seedIgnoredMessage(label));

  const params = input.options ?? modelCallOptions(stage.params);
  const plan = planImageShape(capabilities, { size: params.size, aspectRatio: params.aspectRatio });
  if (plan.note) warn([...stagePath, params.size ? 'size' : 'aspectRatio'], plan.note);
  const own = params.providerOptions?.[reference.provider];
  if (capabilities.providerOptionKeys && own && typeof own === 'object') {
    for (const key of Object.keys(own)) {
      if (capabilities.providerOptionKeys.includes(key)) continue;
      warn(
        [...stagePath, 'providerOptions', reference.provider, key],
        `providerOptions.${reference.provider}.${key} is dropped by the AI SDK's ${reference.provider} provider for ${label}: it passes on only ${capabilities.providerOptionKeys.join(', ')}`,
      );
    }
  }
  for (const key of Object.keys(params.providerOptions ?? {})) {
    if (key !== reference.provider && !neutralOptionKeys.has(key)) {
      warn(
        [...stagePath, 'providerOptions', key],
        `providerOptions.${key} does nothing for ${label}: options go under providerOptions.${reference.provider}`,
      );
    }
  }
  if (capabilities.negativePrompt === false && campaign.shots.some((shot) => shot.negativePrompt)) {
    warn(modelPath, `${label} ignores negative prompts: shots' negativePrompt will not be applied`);
  }
  return problems;
}
