import type { Command } from 'commander';

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the built-in models and the model aliases with their default routes')
    .action(async () => {
      const [
        { requireModelReference },
        { builtinModels },
        { defaultModelAliases },
        { capabilitiesOf, describeCapabilities },
      ] = await Promise.all([
        import('../../config/model-reference.ts'),
        import('../../models/builtin/builtin-catalog.ts'),
        import('../../providers/model-aliases.ts'),
        import('../../providers/provider-capabilities.ts'),
      ]);
      for (const model of builtinModels()) {
        process.stdout.write(`builtin:${model.id}  [${model.roles.join(', ')}]\n    ${model.description}\n`);
      }
      process.stdout.write('\naliases (re-route any of them under `aliases:` in atelier.yaml):\n');
      for (const [alias, route] of Object.entries(defaultModelAliases)) {
        const reference = requireModelReference(route);
        const capabilities = capabilitiesOf(reference.provider, reference.modelId);
        process.stdout.write(`${alias}  ->  ${route}\n    ${describeCapabilities(capabilities)}\n`);
      }
    });
}
