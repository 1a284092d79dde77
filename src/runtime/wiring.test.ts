import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { smallCampaign } from '../../test/helpers/temp-project.ts';
import { parseCampaign } from '../config/load-campaign.ts';
import { rolesOfStages } from '../config/validation-context.ts';
import { allQueueRoles } from '../execution/queue-keys.ts';
import type { StageDefinition } from '../stages/stage.ts';
import { stageCatalog } from '../stages/stage-catalog.ts';
import { campaignValidationContext, providerNames } from './wiring.ts';

describe('the lists derived from one table each', () => {
  it('serves every role the stages call on a worker started without --roles, typography included', () => {
    const roles = rolesOfStages(stageCatalog().values());
    expect(roles).toEqual(expect.arrayContaining(['compose', 'ocr', 'typography', 'stylize', 'upscale']));
    expect(allQueueRoles(stageCatalog())).toEqual([...roles, 'cpu']);
  });

  it('takes a new stage with a new role from its definition and a catalog entry alone', () => {
    const judge: StageDefinition = {
      name: 'judge',
      role: 'judge',
      paramsSchema: stageCatalog().get('export')!.paramsSchema.optional(),
      shotInputs: () => ({}),
      run: async () => ({ status: 'ok', outputs: [] }),
    };
    const stages = new Map([...stageCatalog(), ['judge', judge]]);
    const config = smallCampaign({ models: { compose: 'builtin:draft', judge: 'openai:gpt-4.1-mini' } });
    const campaign = parseCampaign(stringify(config), '/campaigns/atelier.yaml', {
      ...campaignValidationContext(),
      stages,
      checkModelSettings: undefined,
    });
    expect(campaign.models.judge).toBe('openai:gpt-4.1-mini');
    expect(allQueueRoles(stages)).toContain('judge');
  });

  it('knows every provider of the provider table by name, in config and references alike', () => {
    const context = campaignValidationContext();
    expect(providerNames()).toEqual(['builtin', ...context.providerSettings!.keys()]);
    expect([...context.providerSettings!.keys()]).toEqual([
      'openai',
      'openai-compatible',
      'google',
      'fal',
      'replicate',
      'comfyui',
    ]);
  });
});
