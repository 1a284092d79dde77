import type { Command } from 'commander';
import { builtinModels } from '../../models/builtin/builtin-catalog.ts';

export function registerModelsCommand(program: Command): void {
  program
    .command('models')
    .description('list the built-in models and the roles they play')
    .action(() => {
      for (const model of builtinModels()) {
        process.stdout.write(`builtin:${model.id}  [${model.roles.join(', ')}]\n    ${model.description}\n`);
      }
    });
}
