import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StaticAsset {
  bytes: Uint8Array;
  mediaType: string;
  etag: string;
  /** Fonts never change under a name; the app's own files do between versions. */
  immutable: boolean;
}

const mediaTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

const webDirectory = fileURLToPath(new URL('./web/', import.meta.url));
const fontWeights = [400, 500, 600, 700];

/**
 * The studio's front end: plain ES modules and CSS from `src/studio/web/`, plus the Inter font
 * from the `@fontsource/inter` package, all read once at start. Only these names are ever
 * served, so no request path reaches the file system.
 */
export function loadStaticAssets(): Map<string, StaticAsset> {
  const assets = new Map<string, StaticAsset>();
  const add = (name: string, path: string, immutable: boolean) => {
    const bytes = readFileSync(path);
    const etag = `"${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}"`;
    assets.set(name, { bytes, mediaType: mediaTypes[extname(name)]!, etag, immutable });
  };
  for (const name of readdirSync(webDirectory)) {
    if (mediaTypes[extname(name)] && !name.endsWith('.test.ts')) add(name, join(webDirectory, name), false);
  }
  const fontFiles = join(
    dirname(createRequire(import.meta.url).resolve('@fontsource/inter/package.json')),
    'files',
  );
  for (const weight of fontWeights) {
    const name = `inter-latin-${weight}-normal.woff2`;
    add(`fonts/${name}`, join(fontFiles, name), true);
  }
  return assets;
}
