import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './compiled-layout.ts';

let version: string | undefined;

/** The installed Atelier's version, from its package.json. */
export function atelierPackageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string })
    .version;
  return version;
}
