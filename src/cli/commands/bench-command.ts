import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseModelReference } from '../../config/model-reference.ts';
import { AtelierError } from '../../errors.ts';
import { parsePositiveInteger } from '../option-parsers.ts';

async function readBench(path: string) {
  let data: unknown;
  try {
    data = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new AtelierError('INVALID_ARGUMENT', `Cannot read bench file ${path}: ${(error as Error).message}`);
  }
  const { benchResultSchema } = await import('../../model-bench/bench-schema.ts');
  const parsed = benchResultSchema.safeParse(data);
  if (!parsed.success) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `${path} is not an Atelier bench result (expected schema "atelier-bench/1")`,
    );
  }
  return parsed.data;
}

/** `--judge` as a checked `provider:modelId` reference (a typo is exit 2, not a stack trace). */
function requireJudgeReference(text: string): string {
  const reference = parseModelReference(text);
  if ('error' in reference) throw new AtelierError('INVALID_ARGUMENT', `--judge: ${reference.error}`);
  return reference.raw;
}

export function registerBenchCommand(program: Command): void {
  const bench = program
    .command('bench')
    .description(
      'render the same shots with each model setup and compare latency, throughput, memory, cost and quality',
    )
    .argument('[config]', 'atelier.yaml or the folder holding it', '.')
    .option(
      '--models <setups>',
      'comma-separated setups: a compose reference, or role=ref pairs joined with +',
      '',
    )
    .option('--seeds <list>', 'seeds for every shot, e.g. 1..10 or 1,2,3', '1..3')
    .option('--shots <n>', 'only the first n shots', parsePositiveInteger('--shots'))
    .option('--sweep <sizes>', 'compose sizes (long edge) for the resolution sweep', '256,512,1024')
    .option(
      '--tiles <sizes>',
      'upscale tile sizes for the tile sweep (when the pipeline upscales)',
      '128,256,512',
    )
    .option(
      '--judge <reference>',
      'vision-language model that scores prompt adherence per image, e.g. openai:gpt-4.1-mini',
    )
    .option('--out <folder>', 'where to write bench.json, bench.md and bench.svg', 'bench-results')
    .action(
      async (
        config: string,
        options: {
          models: string;
          seeds: string;
          shots?: number;
          sweep: string;
          tiles: string;
          judge?: string;
          out: string;
        },
      ) => {
        const [
          { benchChartSvg, benchMarkdown },
          { benchModels, parseModelSetups, parseSeedList },
          { campaignValidationContext, loadCampaignWithRegistry },
          { writeFileAtomic },
        ] = await Promise.all([
          import('../../model-bench/bench-report.ts'),
          import('../../model-bench/model-bench.ts'),
          import('../../runtime/wiring.ts'),
          import('../../util/atomic-write.ts'),
        ]);
        const { loaded, registry } = await loadCampaignWithRegistry(config);
        const setups = options.models
          ? parseModelSetups(options.models)
          : [{ label: loaded.campaign.models.compose ?? 'config', models: {} }];
        const sweepSizes = options.sweep
          .split(',')
          .filter(Boolean)
          .map((size) => parsePositiveInteger('--sweep')(size.trim()));
        const result = await benchModels({
          loaded,
          registry,
          setups,
          seeds: parseSeedList(options.seeds),
          shots: options.shots,
          sweepSizes,
          sweepTiles: options.tiles
            .split(',')
            .filter(Boolean)
            .map((size) => parsePositiveInteger('--tiles')(size.trim())),
          judge: options.judge ? requireJudgeReference(options.judge) : undefined,
          onProgress: (message) => process.stderr.write(`bench: ${message}\n`),
          validation: campaignValidationContext(),
        });
        const out = resolve(options.out);
        await writeFileAtomic(join(out, 'bench.json'), `${JSON.stringify(result, null, 2)}\n`);
        const markdown = benchMarkdown(result);
        await writeFileAtomic(join(out, 'bench.md'), markdown);
        await writeFileAtomic(join(out, 'bench.svg'), benchChartSvg(result));
        process.stdout.write(`${markdown}\nwritten: ${join(out, 'bench.json')}, bench.md, bench.svg\n`);
      },
    );
  bench
    .command('compare')
    .description('before/after ratios of two bench.json files')
    .argument('<before>', 'bench.json')
    .argument('<after>', 'bench.json')
    .action(async (beforePath: string, afterPath: string) => {
      const { compareBenchResults, formatComparison } = await import('../../model-bench/bench-compare.ts');
      const rows = compareBenchResults(await readBench(beforePath), await readBench(afterPath));
      if (rows.length === 0) process.stdout.write('no setup appears in both files\n');
      else process.stdout.write(`${formatComparison(rows)}\n`);
    });
}
