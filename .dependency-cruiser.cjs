// The folder rules `npm test` checks (npm run check:architecture). Lower layers never import
// higher ones; each rule names the layer boundary it keeps. Tests may reach across layers (an
// e2e test drives the whole house), so the layer rules look at production modules only.
const production = '^src/(?!.*\\.(test|e2e\\.test)\\.ts$)';

/** A rule that `from` (production modules under these folders) never imports `to`. */
function never(name, comment, fromFolders, toFolders) {
  return {
    name,
    comment,
    severity: 'error',
    from: { path: `^src/(${fromFolders.join('|')})/`, pathNot: '\\.(test|e2e\\.test)\\.ts$' },
    to: { path: `^(src/(${toFolders.join('|')})/|src/(${toFolders.join('|')})\\.ts$)` },
  };
}

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles, type-only imports included.',
      severity: 'error',
      from: { path: production },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-src',
      comment: 'Test doubles and helpers live under test/; production code never imports them.',
      severity: 'error',
      from: { path: production },
      to: { path: '^test/' },
    },
    never(
      'config-is-a-leaf',
      'config/ learns stages, providers and models through its validation context.',
      ['config'],
      ['models', 'providers', 'stages', 'pipeline', 'execution', 'runtime', 'studio', 'cli', 'typography'],
    ),
    never(
      'models-below-stages',
      'models/ (interfaces and built-ins) never import what uses them.',
      ['models'],
      ['typography', 'stages', 'pipeline', 'providers', 'execution', 'runtime', 'studio', 'cli'],
    ),
    never(
      'providers-below-stages',
      'providers/ implement models; they know no stage, pipeline or runner.',
      ['providers'],
      ['stages', 'pipeline', 'execution', 'runtime', 'studio', 'cli'],
    ),
    never(
      'stages-below-pipeline',
      'A stage is a plug-in: it never reaches into the runner or a provider.',
      ['stages'],
      ['pipeline', 'providers', 'execution', 'runtime', 'studio', 'cli'],
    ),
    never(
      'pipeline-below-execution',
      'The pipeline sees execution only through StageJobDispatcher.',
      ['pipeline'],
      ['execution', 'runtime', 'studio', 'cli'],
    ),
    never(
      'execution-below-runtime',
      'Workers are handed their registry; they do not wire the house.',
      ['execution'],
      ['runtime', 'studio', 'cli'],
    ),
    never(
      'runtime-below-apps',
      'The wiring module serves the CLI and the studio, never the reverse.',
      ['runtime'],
      ['studio', 'cli'],
    ),
    never('studio-below-cli', 'The studio is started by the CLI, not the reverse.', ['studio'], ['cli']),
    never(
      'judge-below-stages',
      'judge/ asks a language model about an image; it knows no stage, runner or provider.',
      ['judge'],
      ['stages', 'pipeline', 'providers', 'execution', 'runtime', 'studio', 'cli'],
    ),
    never(
      'low-layers',
      'Leaf helpers import nothing of the pipeline.',
      ['util', 'colour', 'typography', 'store', 'ledger', 'manifest', 'report', 'lock', 'credentials'],
      ['stages', 'pipeline', 'providers', 'execution', 'runtime', 'studio', 'cli'],
    ),
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^src/studio/web/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
