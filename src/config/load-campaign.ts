import { dirname, resolve } from 'node:path';
import {
  type Alias,
  type Document,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { z } from 'zod';
import { AtelierError, describeError } from '../errors.ts';
import { FileRefusedError, readRegularFile } from '../util/read-regular-file.ts';
import { redactSecrets } from '../util/redact-secrets.ts';
import {
  type Campaign,
  type CampaignInput,
  campaignSchemaFor,
  fieldAliases,
  type PipelineStage,
  type Shot,
} from './campaign-schema.ts';
import { parseModelReference } from './model-reference.ts';
import { type CampaignValidationContext, modelCallsOf, rolesOfStages } from './validation-context.ts';

export type {
  CampaignValidationContext,
  ModelSettingsCheckInput,
  ModelSettingsProblem,
} from './validation-context.ts';

export interface LoadedCampaign {
  readonly campaign: Campaign;
  /** Absolute path of the config file. */
  readonly configPath: string;
  /** The project folder: where `.atelier/`, `runs/` and the lockfile live. */
  readonly projectDirectory: string;
  /** The config file's text, hashed into run records. */
  readonly source: string;
  /**
   * Things that will work but not as written (a provider that ignores seeds, a size mapped to
   * the nearest aspect ratio...), each with file:line:col. Shown before a run starts.
   */
  readonly warnings: readonly string[];
}

type Path = (string | number)[];
interface Problem {
  path: Path;
  message: string;
  /** Point at the key of the last path element instead of its value (unknown fields). */
  atKey?: boolean;
}

export const configFileName = 'atelier.yaml';

/** Accepts a config file or a folder holding `atelier.yaml`. */
export function resolveConfigPath(pathOrDirectory: string): string {
  const absolute = resolve(pathOrDirectory);
  return /\.ya?ml$/i.test(absolute) ? absolute : resolve(absolute, configFileName);
}

/**
 * Reads and validates a campaign config. Every problem found is reported at once, each with
 * the file, line and column, the field path, and what was expected against what was found.
 */
export async function loadCampaign(
  pathOrDirectory: string,
  context: CampaignValidationContext,
): Promise<LoadedCampaign> {
  const configPath = resolveConfigPath(pathOrDirectory);
  const source = decodeConfig(await readConfigBytes(configPath), configPath);
  const { campaign, warnings } = parseCampaignWithWarnings(source, configPath, context);
  return { campaign, configPath, projectDirectory: dirname(configPath), source, warnings };
}

/** The largest config read, in bytes: a campaign of hundreds of shots is a few dozen KiB. */
export const maximumConfigBytes = 1024 * 1024;

/** The config's bytes: a regular file of at most `maximumConfigBytes`, checked before reading. */
async function readConfigBytes(configPath: string): Promise<Buffer> {
  try {
    return await readRegularFile(configPath, maximumConfigBytes);
  } catch (error) {
    if (error instanceof FileRefusedError && error.reason !== 'folder') {
      const reason =
        error.reason === 'too-large'
          ? `it is larger than ${maximumConfigBytes} bytes (1 MiB), the most a config may have`
          : 'not a regular file (a pipe, socket or device); expected a YAML file';
      throw new AtelierError('CONFIG_INVALID', `Invalid campaign config ${configPath}: ${reason}`);
    }
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR' || error instanceof FileRefusedError
          ? 'is a folder'
          : String(code);
    throw new AtelierError('CONFIG_NOT_FOUND', `Cannot read campaign config ${configPath}: ${reason}`);
  }
}

/**
 * The config's text. Bytes that are not UTF-8 are refused, naming where the first one is:
 * decoding them as U+FFFD would turn a headline into "\uFFFD\uFFFDfreshly picked" and spend a
 * run's jobs before anything noticed.
 */
function decodeConfig(bytes: Buffer, configPath: string): string {
  try {
    // ignoreBOM keeps a byte order mark in the text, as before: the YAML parser skips it.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const text = bytes.toString('utf8');
    // The first U+FFFD that the bytes do not spell out (EF BF BD) marks the first bad byte.
    let offset = 0;
    for (const character of text) {
      if (
        character === '\uFFFD' &&
        !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)
      )
        break;
      offset += Buffer.byteLength(character);
    }
    const before = bytes.subarray(0, offset).toString('utf8');
    const line = before.split('\n').length;
    const column = before.length - before.lastIndexOf('\n');
    const found = `0x${bytes[offset]!.toString(16).toUpperCase().padStart(2, '0')}`;
    throw new AtelierError('CONFIG_INVALID', `Invalid campaign config ${configPath}: not UTF-8 text`, {
      details: [
        `${configPath}:${line}:${column}: expected UTF-8 text but found the byte ${found} at byte offset ${offset}; save the file as UTF-8`,
      ],
    });
  }
}

export function parseCampaign(
  source: string,
  configPath: string,
  context: CampaignValidationContext,
): Campaign {
  return parseCampaignWithWarnings(source, configPath, context).campaign;
}

/** Parses and validates a campaign, also returning the warnings (with file:line:col). */
export function parseCampaignWithWarnings(
  source: string,
  configPath: string,
  context: CampaignValidationContext,
): { campaign: Campaign; warnings: string[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const where = (offset: number) => {
    const { line, col } = lineCounter.linePos(offset);
    return `${configPath}:${line}:${col}`;
  };
  // Warnings too: an unknown tag (`!!js/function`, `!custom`) would otherwise be read as a
  // plain string, silently.
  const yamlProblems = [...document.errors, ...document.warnings];
  if (yamlProblems.length > 0) {
    const details = yamlProblems.map((problem) =>
      printable(
        problem.name === 'YAMLWarning'
          ? `${where(problem.pos[0])}: YAML warning, refused: ${firstLine(problem.message)}`
          : `${where(problem.pos[0])}: YAML syntax error: ${firstLine(problem.message)}`,
      ),
    );
    throw new AtelierError('CONFIG_INVALID', `Invalid campaign config ${configPath}: not valid YAML`, {
      details,
    });
  }
  let data: unknown;
  try {
    data = document.toJS({ maxAliasCount: maximumAliasCount });
  } catch (error) {
    // What fails here are aliases: ones that expand without bound ("billion laughs"), or that
    // name an anchor the parser let through.
    const alias = firstAlias(document);
    const reason = firstLine(describeError(error));
    const message = /excessive alias count/i.test(reason)
      ? `YAML aliases expand too far (more than ${maximumAliasCount} times); write the values out instead`
      : `YAML alias error: ${reason}`;
    throw new AtelierError('CONFIG_INVALID', `Invalid campaign config ${configPath}: not valid YAML`, {
      details: [printable(`${alias?.range ? where(alias.range[0]) : configPath}: ${message}`)],
    });
  }
  const problems: Problem[] = [];
  const roles = rolesOfStages(context.stages.values());
  const warningProblems: Problem[] = [];
  const aliased = readAliases(data, problems, warningProblems);
  // reportInput: so an issue can say what it found, not only what it expected.
  const parsed = campaignSchemaOf(context).safeParse(data, { reportInput: true });
  if (!parsed.success) {
    problems.push(...describeIssues(parsed.error.issues, roles));
    // Still check the stages' own params, so one pass reports every problem it can.
    const rawStages = (data as { pipeline?: { stages?: unknown } } | null)?.pipeline?.stages;
    if (Array.isArray(rawStages) && rawStages.every((entry) => typeof entry?.stage === 'string')) {
      checkStages(rawStages, context, problems);
    }
    reportProblems();
  }
  const input = parsed.data as CampaignInput;
  const stages = withPromptTemplate(checkStages(input.pipeline.stages, context, problems), context);
  checkAliases(input, context, problems);
  const models = checkModels(input.models, stages, context, problems, input.aliases);
  if (context.checkModelSettings) {
    checkModelSettings({ ...input, models }, stages, context, dirname(configPath), problems, warningProblems);
  }
  checkShots(input, stages, context, problems);
  checkQa(input.qa, input.pipeline.stages, context, problems, input.models);
  reportProblems();
  return {
    campaign: {
      ...input,
      models,
      pipeline: { seeds: input.pipeline.seeds, concurrency: input.pipeline.concurrency, stages },
    },
    warnings: warningProblems.map(describeProblem),
  };

  function describeProblem(problem: Problem): string {
    // A problem inside an aliased section points at the key as written.
    const path = aliased.reduce((current, alias) => alias(current), problem.path);
    const offset = locate(document.contents, path, problem.atKey ?? false);
    // Messages quote what was found, which may be a key pasted in the wrong place.
    return printable(
      redactSecrets(
        `${offset === undefined ? configPath : where(offset)}: ${formatPath(path)}: ${problem.message}`,
      ),
    );
  }

  function reportProblems(): void {
    if (problems.length === 0) return;
    const details = problems.map(describeProblem);
    throw new AtelierError(
      'CONFIG_INVALID',
      `Invalid campaign config ${configPath}: ${problems.length} problem${problems.length === 1 ? '' : 's'}`,
      { details },
    );
  }
}

/**
 * Renames aliased keys (`qa.color` -> `qa.colour`) in the parsed YAML before validation, with a
 * warning each; both spellings at once is an error naming both. Returns, per rename applied,
 * a map from a path under the new key back to the key as written.
 */
function readAliases(data: unknown, problems: Problem[], warnings: Problem[]): Array<(path: Path) => Path> {
  const renames: Array<(path: Path) => Path> = [];
  for (const { parent, written, readAs } of fieldAliases) {
    let node: unknown = data;
    for (const key of parent) node = isRecord(node) ? node[key] : undefined;
    if (!isRecord(node) || !Object.hasOwn(node, written)) continue;
    const writtenPath: Path = [...parent, written];
    const readPath = [...parent, readAs];
    if (Object.hasOwn(node, readAs)) {
      problems.push({
        path: writtenPath,
        atKey: true,
        message: `${formatPath(writtenPath)} and ${formatPath(readPath)} are the same setting: keep ${formatPath(readPath)} only`,
      });
      // Said once here, not again as an unknown field.
      delete node[written];
      continue;
    }
    node[readAs] = node[written];
    delete node[written];
    warnings.push({
      path: writtenPath,
      atKey: true,
      message: `${formatPath(writtenPath)} is read as ${formatPath(readPath)}; rename it`,
    });
    renames.push((path) =>
      readPath.every((key, index) => path[index] === key)
        ? [...writtenPath, ...path.slice(readPath.length)]
        : path,
    );
  }
  return renames;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkStages(
  entries: Array<{ stage: string; [key: string]: unknown }>,
  context: CampaignValidationContext,
  problems: Problem[],
): PipelineStage[] {
  const known = [...context.stages.keys()];
  const seen = new Set<string>();
  const stages: PipelineStage[] = [];
  entries.forEach((entry, index) => {
    const path: Path = ['pipeline', 'stages', index];
    const definition = context.stages.get(entry.stage);
    if (!definition) {
      problems.push({
        path: [...path, 'stage'],
        message: `unknown stage "${entry.stage}": expected one of ${known.join(', ')}`,
      });
      return;
    }
    if (seen.has(entry.stage)) {
      problems.push({ path: [...path, 'stage'], message: `stage "${entry.stage}" appears more than once` });
    }
    seen.add(entry.stage);
    if (definition.position === 'first' && index !== 0) {
      problems.push({ path: [...path, 'stage'], message: `stage "${entry.stage}" must be the first stage` });
    }
    if (definition.position === 'last' && index !== entries.length - 1) {
      problems.push({ path: [...path, 'stage'], message: `stage "${entry.stage}" must be the last stage` });
    }
    const { stage: _name, ...params } = entry;
    const result = definition.paramsSchema.safeParse(params, { reportInput: true });
    if (!result.success) {
      for (const problem of describeIssues(result.error.issues, [])) {
        problems.push({ ...problem, path: [...path, ...problem.path] });
      }
      return;
    }
    stages.push({ name: entry.stage, params: result.data });
  });
  return stages;
}

/**
 * The first stage's prompt template, when the config gives none and a later stage needs one
 * (typography `check` asks compose to letter the headline): filled in here so it is part of the
 * stage's params, its cache key and its manifest.
 */
function withPromptTemplate(stages: PipelineStage[], context: CampaignValidationContext): PipelineStage[] {
  const [first, ...rest] = stages;
  if (!first || !context.stages.get(first.name)?.acceptsPromptTemplate) return stages;
  if ((first.params as { prompt?: unknown }).prompt !== undefined) return stages;
  const template = rest
    .map((stage) => context.stages.get(stage.name)?.firstStagePrompt?.(stage.params))
    .find((found) => found !== undefined);
  if (template === undefined) return stages;
  return [{ ...first, params: { ...(first.params as object), prompt: template } }, ...rest];
}

/** Each config alias must route to a usable `provider:modelId[@version]` reference. */
function checkAliases(input: CampaignInput, context: CampaignValidationContext, problems: Problem[]): void {
  for (const [name, target] of Object.entries(input.aliases ?? {})) {
    const path: Path = ['aliases', name];
    const reference = parseModelReference(target);
    if ('error' in reference) {
      problems.push({
        path,
        message: `${reference.error} (an alias routes to a provider:modelId reference)`,
      });
    } else if (!context.providers.includes(reference.provider)) {
      problems.push({
        path,
        message: `unknown provider "${reference.provider}": expected one of ${context.providers.join(', ')}`,
      });
    }
  }
}

/** Follows aliases, checks every role's reference, and returns the roles with resolved references. */
function checkModels(
  models: Partial<Record<string, string>>,
  stages: readonly PipelineStage[],
  context: CampaignValidationContext,
  problems: Problem[],
  aliases: Readonly<Record<string, string>> | undefined,
): Campaign['models'] {
  const resolved: Partial<Record<string, string>> = {};
  for (const [role, written] of Object.entries(models)) {
    if (written === undefined) continue;
    const path: Path = ['models', role];
    let raw = written;
    if (!written.includes(':')) {
      const known = { ...context.aliases, ...aliases };
      const target = known[written.trim()];
      if (target === undefined) {
        const names = Object.keys(known);
        problems.push({
          path,
          message: `expected a model reference like "provider:modelId[@version]" but found "${written}"${names.length > 0 ? ` (not an alias either: known aliases are ${names.join(', ')})` : ''}`,
        });
        continue;
      }
      raw = target;
    }
    resolved[role] = raw;
    const reference = parseModelReference(raw);
    if ('error' in reference) {
      problems.push({ path, message: reference.error });
      continue;
    }
    if (!context.providers.includes(reference.provider)) {
      problems.push({
        path,
        message: `unknown provider "${reference.provider}": expected one of ${context.providers.join(', ')}`,
      });
      continue;
    }
    const kind = reference.provider === 'builtin' ? 'built-in' : reference.provider;
    const playable = context.rolesOfModel ? context.rolesOfModel(reference) : 'any';
    if (playable === undefined) {
      problems.push({ path, message: `unknown ${kind} model "${raw}"` });
    } else if (playable !== 'any' && !playable.includes(role)) {
      problems.push({
        path,
        message: `${kind} model "${raw}" cannot play role "${role}": it plays ${playable.join(', ')}`,
      });
    }
  }
  const roles = resolved as Campaign['models'];
  stages.forEach((stage) => {
    const definition = context.stages.get(stage.name);
    const roles = [
      ...(definition?.role ? [definition.role] : []),
      ...(definition?.extraRoles?.(stage.params) ?? []),
    ];
    for (const role of roles) {
      if (models[role] !== undefined) continue;
      problems.push({
        path: ['models'],
        message: `stage "${stage.name}" needs a model for role "${role}" (e.g. ${role}: builtin:...)`,
      });
    }
  });
  return roles;
}

/** Asks the providers whether each call a stage will make suits the model bound to its role. */
function checkModelSettings(
  input: CampaignInput,
  stages: readonly PipelineStage[],
  context: CampaignValidationContext,
  projectDirectory: string,
  problems: Problem[],
  warnings: Problem[],
): void {
  const stageIndex = new Map(input.pipeline.stages.map((entry, index) => [entry.stage, index]));
  const seen = new Set<string>();
  for (const stage of stages) {
    const definition = context.stages.get(stage.name);
    if (!definition) continue;
    for (const call of modelCallsOf(definition, stage.params)) {
      const raw = input.models[call.role];
      if (raw === undefined) continue;
      const reference = parseModelReference(raw);
      if ('error' in reference || !context.providers.includes(reference.provider)) continue;
      const found = context.checkModelSettings!({
        role: call.role,
        reference,
        stage,
        stageIndex: stageIndex.get(stage.name) ?? 0,
        sendsInputImage: call.sendsInputImage,
        options: call.options,
        withoutInputImage: call.withoutInputImage,
        campaign: input,
        projectDirectory,
      });
      for (const problem of found) {
        // A role called by two stages says the same thing of the model once.
        const key = `${problem.severity} ${problem.path.join('.')} ${problem.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        (problem.severity === 'error' ? problems : warnings).push({
          path: problem.path,
          message: problem.message,
        });
      }
    }
  }
}

function checkShots(
  input: { shots: Shot[] },
  stages: readonly PipelineStage[],
  context: CampaignValidationContext,
  problems: Problem[],
): void {
  const firstIndex = new Map<string, number>();
  input.shots.forEach((shot, index) => {
    const earlier = firstIndex.get(shot.id);
    if (earlier !== undefined) {
      problems.push({
        path: ['shots', index, 'id'],
        message: `duplicate shot id "${shot.id}" (first used by shots[${earlier}])`,
      });
    } else {
      firstIndex.set(shot.id, index);
    }
    for (const stage of stages) {
      const definition = context.stages.get(stage.name);
      for (const problem of definition?.checkShot?.(shot, stage.params) ?? []) {
        problems.push({ path: ['shots', index, ...problem.path], message: problem.message });
      }
    }
  });
}

/** A quality gate nothing enforces would pass every image silently: say which stage it needs. */
function checkQa(
  qa: Record<string, unknown> | undefined,
  entries: ReadonlyArray<{ stage: string }>,
  context: CampaignValidationContext,
  problems: Problem[],
  models: Readonly<Record<string, string | undefined>>,
): void {
  for (const [section, settings] of Object.entries(qa ?? {})) {
    if (settings === undefined) continue;
    // Raw entries, not validated stages: a stage with a bad param still enforces its gate.
    const enforcer = entries
      .map((entry) => context.stages.get(entry.stage))
      .find((definition) => definition?.qaSection === section);
    if (enforcer?.qaRole && models[enforcer.qaRole] === undefined) {
      problems.push({
        path: ['qa', section],
        atKey: true,
        message: `qa.${section} is judged by the model bound to "${enforcer.qaRole}", but models.${enforcer.qaRole} is not set: bind one (e.g. ${enforcer.qaRole}: openai:gpt-4.1-mini) or remove qa.${section}`,
      });
    }
    if (enforcer) continue;
    const enforcers = [...context.stages.values()]
      .filter((definition) => definition.qaSection === section)
      .map((definition) => `"${definition.name}"`);
    problems.push({
      path: ['qa', section],
      atKey: true,
      message: `qa.${section} is checked by the ${enforcers.join(' or ')} stage, but the pipeline has none: add it to pipeline.stages or remove qa.${section}`,
    });
  }
}

/**
 * One problem per field, each naming what was found. A number past 2^53 breaks both zod's
 * safe-integer range and the field's own bound: only the field's bound is said.
 */
function describeIssues(issues: readonly z.core.$ZodIssue[], roles: readonly string[]): Problem[] {
  const pathKey = (issue: z.core.$ZodIssue) => JSON.stringify(issue.path.map(String));
  const kept = issues.filter(
    (issue) =>
      !(
        isSafeIntegerRange(issue) &&
        issues.some((other) => other !== issue && pathKey(other) === pathKey(issue))
      ),
  );
  const seen = new Set<string>();
  return kept
    .flatMap((issue) => describeIssue(issue, roles))
    .filter((problem) => {
      const key = `${JSON.stringify(problem.path)}${problem.atKey ? ':key' : ''}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
}

function isSafeIntegerRange(issue: z.core.$ZodIssue): boolean {
  return (issue.code === 'too_big' || issue.code === 'too_small') && issue.origin === 'int';
}

function describeIssue(issue: z.core.$ZodIssue, roles: readonly string[]): Problem[] {
  const path = issue.path.filter((key): key is string | number => typeof key !== 'symbol');
  switch (issue.code) {
    case 'unrecognized_keys': {
      const parent = path.at(-1);
      return issue.keys.map((key) => ({
        path: [...path, key],
        atKey: true,
        message:
          parent === 'models'
            ? `unknown role "${key}": expected one of ${roles.join(', ')}`
            : `unknown field "${key}"`,
      }));
    }
    case 'invalid_type': {
      // A schema's own wording when it has one, zod's type name otherwise.
      const expected = issue.message.startsWith('Invalid input')
        ? issue.expected === 'int'
          ? 'an integer'
          : issue.expected
        : issue.message.replace(/^expected /, '');
      return [{ path, message: `expected ${expected} but found ${describeFound(issue.input)}` }];
    }
    case 'invalid_union': {
      // The one alternative the value has the shape of (a list of seeds, for a list) says
      // what is wrong inside it; otherwise the union as a whole.
      const fitting = issue.errors.filter(
        (branch) => !branch.some((inner) => inner.code === 'invalid_type' && inner.path.length === 0),
      );
      if (fitting.length === 1) {
        return describeIssues(
          fitting[0]!.map((inner) => ({ ...inner, path: [...issue.path, ...inner.path] })),
          roles,
        );
      }
      return [
        { path, message: `expected ${unionExpectation(path)} but found ${describeFound(issue.input)}` },
      ];
    }
    default: {
      // Bounds and formats: say what was found too, unless the message already does.
      const scalar = issue.input === null || (typeof issue.input !== 'object' && issue.input !== undefined);
      const named = /\bfound\b/.test(issue.message) || !scalar;
      return [
        { path, message: named ? issue.message : `${issue.message} but found ${describeFound(issue.input)}` },
      ];
    }
  }
}

function unionExpectation(path: Path): string {
  return path.at(-1) === 'seeds'
    ? 'a list of seeds (integers 0..4294967295) or a seed count 1..256'
    : 'a valid value';
}

/** What a value is, as the config spells it: `number 12`, `string "x"`, `.nan`, `a list`. */
function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number' && !Number.isFinite(value))
    return Number.isNaN(value)
      ? '.nan (not a number)'
      : value > 0
        ? '.inf (infinity)'
        : '-.inf (minus infinity)';
  if (typeof value === 'bigint') return `number ${value}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function formatPath(path: Path): string {
  if (path.length === 0) return '(top level)';
  return path
    .map((key, index) => (typeof key === 'number' ? `[${key}]` : index === 0 ? key : `.${key}`))
    .join('');
}

/** The source offset of the node at `path`, or of its nearest existing ancestor. */
function locate(root: Node | null, path: Path, atKey: boolean): number | undefined {
  let node: unknown = root;
  let best = (root as Node | null)?.range?.[0];
  for (let index = 0; index < path.length; index++) {
    const key = path[index];
    const last = index === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && item.key.value === key);
      if (!pair) return best;
      if (last && atKey && isScalar(pair.key)) return pair.key.range?.[0] ?? best;
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (node === undefined) return best;
    } else {
      return best;
    }
    best = (node as Node).range?.[0] ?? best;
  }
  return best;
}

/** How many times aliases may be expanded in one config (the YAML library's own default). */
const maximumAliasCount = 100;

function firstAlias(document: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(document, {
    Alias(_key, node) {
      found = node;
      return visit.BREAK;
    },
  });
  return found;
}

/** Characters a message must not print as they are: controls, invisible formatting, separators. */
const unprintable = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

/**
 * Unprintable characters written as `\u000b`: a key or value quoted in a message must neither
 * hide (a vertical tab or a byte order mark before `headline` would print as `headline: unknown
 * field "headline"`) nor reach the terminal as an escape sequence or a bidi override.
 */
function printable(text: string): string {
  return text.replace(unprintable, (character) => {
    const code = character.codePointAt(0)!.toString(16);
    return code.length <= 4 ? `\\u${code.padStart(4, '0')}` : `\\u{${code}}`;
  });
}

function firstLine(message: string): string {
  return message.split('\n')[0] ?? message;
}

const schemas = new WeakMap<CampaignValidationContext, ReturnType<typeof campaignSchemaFor>>();

/** The campaign schema for a context's roles and providers, built once per context. */
function campaignSchemaOf(context: CampaignValidationContext) {
  let schema = schemas.get(context);
  if (!schema) {
    schema = campaignSchemaFor({
      roles: rolesOfStages(context.stages.values()),
      providerSettings: context.providerSettings ?? new Map(),
    });
    schemas.set(context, schema);
  }
  return schema;
}
