import { composeStage } from './compose-stage.ts';
import { exportStage } from './export-stage.ts';
import type { StageDefinition } from './stage.ts';
import { stylizeStage } from './stylize-stage.ts';
import { typographyStage } from './typography-stage.ts';

/**
 * Every stage Atelier knows, by config name. A new stage is one module plus one line here; the
 * runner, config validation and manifests pick it up without changes.
 */
export function stageCatalog(): ReadonlyMap<string, StageDefinition<unknown>> {
  const stages: StageDefinition<never>[] = [
    composeStage as never,
    typographyStage as never,
    stylizeStage as never,
    exportStage as never,
  ];
  return new Map(stages.map((stage) => [stage.name, stage as StageDefinition<unknown>]));
}
