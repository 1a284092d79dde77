import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { AtelierError } from '../errors.ts';
import type { ModelProvider } from '../models/model-registry.ts';

/**
 * The environment variable naming a module whose `modelProviders` export joins every registry
 * this process builds. Tests use it to reach test doubles from child processes (workers, the
 * studio's run process) without production code importing them; a studio could use it for an
 * in-house provider.
 */
export const extraProvidersVariable = 'ATELIER_EXTRA_PROVIDERS';

async function loadExtraProviders(): Promise<readonly ModelProvider[]> {
  const path = process.env[extraProvidersVariable];
  if (!path) return [];
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(path)).href;
  const loaded = (await import(url)) as { modelProviders?: unknown };
  if (!Array.isArray(loaded.modelProviders)) {
    throw new AtelierError(
      'CONFIG_INVALID',
      `${extraProvidersVariable}=${path}: expected a module exporting modelProviders (an array of model providers)`,
    );
  }
  return loaded.modelProviders as ModelProvider[];
}

/** Loaded once per process, before any registry is built. */
export const extraProviders: readonly ModelProvider[] = await loadExtraProviders();
