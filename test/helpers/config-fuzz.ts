// Property-based fuzzing of the config loader: the arbitraries (YAML documents built from the
// schema's own fields with mutated types, values and structure; edits of the YAML text; random
// bytes) and the property every case must keep. Shared by src/config/load-campaign.fuzz.test.ts
// (a bounded number of cases in `npm test`) and bench/config-fuzz.bench.ts (many more).
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parse, parseDocument, stringify } from 'yaml';
import { loadCampaign, parseCampaign } from '../../src/config/load-campaign.ts';
import { AtelierError } from '../../src/errors.ts';
import { campaignValidationContext } from '../../src/runtime/wiring.ts';

/** The longest one case may take, parse and validation together (generous: CI is shared). */
export const caseTimeLimitMs = 2000;

/**
 * The document mutations start from: the example campaign (every stage) plus the sections it
 * leaves out (aliases, providers), so every field of the schema is there to be mutated.
 */
export function baseDocument(): Record<string, unknown> {
  const example = parse(
    readFileSync(new URL('../../examples/spring-launch/atelier.yaml', import.meta.url), 'utf8'),
  ) as Record<string, unknown>;
  return {
    ...example,
    aliases: { house: 'openai:gpt-image-1' },
    providers: {
      openai: {
        baseURL: 'http://127.0.0.1:9/v1',
        apiKeyEnv: 'OPENAI_API_KEY',
        retries: 2,
        retryBaseSeconds: 1,
      },
      comfyui: { workflows: { sdxl: 'workflows/sdxl.json' }, defaults: { steps: 20, cfg: 7, denoise: 0.5 } },
    },
  };
}

type Path = Array<string | number>;

/** Every path in a document, containers included, the root first. */
function pathsOf(value: unknown, path: Path = []): Path[] {
  const paths: Path[] = [path];
  if (Array.isArray(value))
    for (const [index, item] of value.entries()) paths.push(...pathsOf(item, [...path, index]));
  else if (typeof value === 'object' && value !== null)
    for (const [key, item] of Object.entries(value)) paths.push(...pathsOf(item, [...path, key]));
  return paths;
}

/** Every key the schema's fields use (from the base document), and keys that mean trouble. */
function fieldNames(): string[] {
  const names = new Set<string>();
  for (const path of pathsOf(baseDocument()))
    for (const key of path) if (typeof key === 'string') names.add(key);
  return [
    ...names,
    'stage',
    'aspectRatio',
    'providerOptions',
    'color',
    '__proto__',
    'constructor',
    'toString',
  ];
}

/** Values of the kinds the schema reads, and the edges of each. */
const scalar: fc.Arbitrary<unknown> = fc.oneof(
  fc.integer(),
  fc.double(), // NaN, ±Infinity and -0 included
  fc.constantFrom(1e23, 2 ** 53, 2 ** 32, -1, 0, 0.5, 1.5, 256, 257, Number.MAX_VALUE, Number.MIN_VALUE),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    ' ',
    '1024x1024',
    '0x0',
    '99999x1',
    '16x16',
    '4:5',
    '0:0',
    '16:9',
    'builtin:draft',
    'builtin:grade',
    'builtin:',
    ':',
    'openai:dall-e-3@',
    'comfyui:sdxl',
    'house',
    '#FFFFFF',
    'red',
    'compose',
    'export',
    'upscale',
    'png',
    'overlay',
    '../x',
    'http://',
    '~',
    'null',
    'x'.repeat(300),
  ),
  fc.boolean(),
  fc.constant(null),
);

/** Any value: scalars, lists and mappings (keys from the schema or anything), a few levels deep. */
export function mutantValue(): fc.Arbitrary<unknown> {
  const key = fc.oneof(fc.constantFrom(...fieldNames()), fc.string({ maxLength: 12 }));
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      scalar,
      fc.array(tie('value'), { maxLength: 4 }),
      fc.array(fc.tuple(key, tie('value')), { maxLength: 4 }).map(ownRecord),
    ),
  }));
  return value;
}

/** A record with these own keys, `__proto__` included as a plain key. */
function ownRecord(entries: Array<[string, unknown]>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [key, value] of entries) setOwn(record, key, value);
  return record;
}

function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

type Mutation =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'duplicate'; at: number };

/**
 * Lists that share their items, which YAML writes as anchors and aliases: expanded, `width`
 * to the power `depth` values ("billion laughs" when large).
 */
function aliasBomb(): fc.Arbitrary<unknown> {
  return fc
    .record({ width: fc.integer({ min: 2, max: 9 }), depth: fc.integer({ min: 1, max: 7 }) })
    .map(({ width, depth }) => {
      let level: unknown = Array.from({ length: width }, (_, index) => `x${index}`);
      for (let index = 0; index < depth; index++) level = Array.from({ length: width }, () => level);
      return level;
    });
}

function mutation(): fc.Arbitrary<Mutation> {
  const at = fc.nat();
  return fc.oneof(
    fc.record({ kind: fc.constant('set' as const), at, value: mutantValue() }),
    fc.record({ kind: fc.constant('delete' as const), at }),
    fc.record({
      kind: fc.constant('add' as const),
      at,
      key: fc.oneof(fc.constantFrom(...fieldNames()), fc.string({ maxLength: 12 })),
      value: mutantValue(),
    }),
    fc.record({ kind: fc.constant('duplicate' as const), at }),
  );
}

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (typeof value === 'object' && value !== null)
    return ownRecord(Object.entries(value).map(([key, item]) => [key, clone(item)]));
  return value;
}

/** Applies mutations to a copy of the document; each picks its target among the paths it has then. */
function mutate(document: Record<string, unknown>, mutations: readonly Mutation[]): unknown {
  let root: unknown = clone(document);
  for (const change of mutations) {
    const paths = pathsOf(root);
    const path = paths[change.at % paths.length]!;
    if (path.length === 0) {
      if (change.kind === 'set') root = change.value;
      continue;
    }
    let parent: unknown = root;
    for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
    const last = path.at(-1)!;
    const container = parent as Record<string | number, unknown>;
    const target = container[last];
    if (change.kind === 'set') container[last] = change.value;
    else if (change.kind === 'delete') {
      if (Array.isArray(container)) container.splice(last as number, 1);
      else delete container[last];
    } else if (change.kind === 'add') {
      if (Array.isArray(target)) target.push(change.value);
      else if (typeof target === 'object' && target !== null)
        setOwn(target as Record<string, unknown>, change.key, change.value);
    } else if (Array.isArray(container)) container.splice(last as number, 0, clone(target));
  }
  return root;
}

/**
 * YAML documents built from the schema's own fields, with mutated types, values and structure;
 * some with an alias bomb set in last (its shared lists are never walked or copied here).
 */
export function mutatedDocument(): fc.Arbitrary<string> {
  const base = baseDocument();
  return fc
    .tuple(
      fc.array(mutation(), { minLength: 1, maxLength: 5 }),
      fc.option(fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: aliasBomb() }), {
        freq: 8,
      }),
    )
    .map(([mutations, bomb]) => stringify(mutate(base, bomb ? [...mutations, bomb] : mutations)));
}

/** Tokens that steer a YAML parser somewhere unusual. */
const yamlSpecials = [
  '&a ',
  '*a',
  '*nowhere',
  '!!js/function ',
  '!!binary ',
  '!!set ',
  '!!timestamp ',
  '!custom ',
  '<<: ',
  '? ',
  '---\n',
  '...\n',
  '%YAML 1.1\n',
  '%TAG ! tag:x,2000:\n',
  '\t',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '|',
  '>',
  '#',
  ': ',
  '- ',
  '\n  ',
  '\r\n',
  '\uFEFF',
  '\u0000',
  '\uD800',
  '.nan',
  '-.inf',
  '0x1F',
  '0o17',
  '1e23',
  '~',
];

/** Edits of a valid document's YAML text: insertions of YAML syntax and noise, deletions. */
export function editedText(): fc.Arbitrary<string> {
  const source = stringify(baseDocument());
  const edit = fc.record({
    at: fc.nat(),
    remove: fc.nat({ max: 24 }),
    insert: fc.oneof(fc.constantFrom(...yamlSpecials), fc.string({ maxLength: 8 }), fc.constant('')),
  });
  return fc.array(edit, { minLength: 1, maxLength: 6 }).map((edits) => {
    let text = source;
    for (const { at, remove, insert } of edits) {
      const position = at % (text.length + 1);
      text = text.slice(0, position) + insert + text.slice(position + remove);
    }
    return text;
  });
}

/** Random bytes, and a valid config with random bytes spliced in. */
export function configBytes(): fc.Arbitrary<Uint8Array> {
  const source = Buffer.from(stringify(baseDocument()));
  return fc.oneof(
    fc.uint8Array({ maxLength: 2048 }),
    fc
      .array(fc.record({ at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 4 }) }), {
        minLength: 1,
        maxLength: 4,
      })
      .map((splices) => {
        let bytes: Buffer = source;
        for (const { at, bytes: inserted } of splices) {
          const position = at % (bytes.length + 1);
          bytes = Buffer.concat([bytes.subarray(0, position), inserted, bytes.subarray(position)]);
        }
        return new Uint8Array(bytes);
      }),
  );
}

/** What one case came to: a valid campaign, or a config error. */
export type FuzzOutcome = 'valid' | 'config error';

/**
 * The property: a valid campaign, or an AtelierError with exit status 2 whose every detail line
 * starts with the file, and with its line and column whenever the document has any content.
 * A valid campaign must come from UTF-8 text (`text` undefined: it did not) that YAML reads
 * without a warning (an unknown tag is read as a plain string, silently). Anything else
 * (another error, another exit status, a detail without its place) throws.
 */
export function checkOutcome(error: unknown, file: string, text: string | undefined): FuzzOutcome {
  if (error === undefined) {
    if (text === undefined) throw new Error('accepted bytes that are not UTF-8');
    const { warnings } = parseDocument(text);
    if (warnings.length > 0) throw new Error(`accepted a document YAML warns about: ${warnings[0]!.message}`);
    return 'valid';
  }
  if (!AtelierError.isInstance(error)) {
    throw new Error(`expected a config error (exit 2), got ${(error as Error)?.stack ?? String(error)}`);
  }
  if (error.exitCode !== 2) throw new Error(`expected exit 2, got ${error.exitCode}: ${error.message}`);
  if (!/^(Invalid|Cannot read) campaign config /.test(error.message))
    throw new Error(`expected a config error message, got: ${error.message}`);
  const located = text === undefined || hasContent(text);
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const shape = new RegExp(`^${escaped}${located ? ':\\d+:\\d+' : '(:\\d+:\\d+)?'}: \\S`);
  for (const line of error.details) {
    if (!shape.test(line)) throw new Error(`detail without its place (${shape}): ${JSON.stringify(line)}`);
    if (/[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(line))
      throw new Error(`unprintable character in a message: ${JSON.stringify(line)}`);
  }
  return 'config error';
}

function hasContent(text: string): boolean {
  try {
    return parseDocument(text).contents !== null;
  } catch {
    return true;
  }
}

const fuzzFile = '/fuzz/atelier.yaml';
// One context, as the CLI has: the campaign schema is built once per context.
const context = campaignValidationContext();

/** Parses and validates a document as `atelier run` does (the real wiring), timing it. */
export function checkDocument(text: string): { outcome: FuzzOutcome; ms: number } {
  const started = performance.now();
  let error: unknown;
  try {
    parseCampaign(text, fuzzFile, context);
  } catch (caught) {
    error = caught ?? new Error('undefined thrown');
  }
  const ms = performance.now() - started;
  return { outcome: checkOutcome(error, fuzzFile, text), ms };
}

/**
 * A project folder whose `atelier.yaml` each case overwrites; `check` loads it from disk as
 * `atelier run` does and fails if loading left anything else in the folder.
 */
export async function fuzzProject(): Promise<{
  check(bytes: Uint8Array): Promise<{ outcome: FuzzOutcome; ms: number }>;
  close(): Promise<void>;
}> {
  const directory = await mkdtemp(join(tmpdir(), 'atelier-fuzz-'));
  const configPath = join(directory, 'atelier.yaml');
  return {
    async check(bytes) {
      await writeFile(configPath, bytes);
      const started = performance.now();
      let error: unknown;
      try {
        await loadCampaign(configPath, context);
      } catch (caught) {
        error = caught ?? new Error('undefined thrown');
      }
      const ms = performance.now() - started;
      const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
      const valid = Buffer.from(text).equals(Buffer.from(bytes));
      const outcome = checkOutcome(error, configPath, valid ? text : undefined);
      const left = await readdir(directory, { recursive: true });
      if (left.length !== 1) throw new Error(`loading wrote to the project: ${left.join(', ')}`);
      return { outcome, ms };
    },
    close: () => rm(directory, { recursive: true, force: true }),
  };
}
