import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { AtelierError } from '../../../errors.ts';

// Where Tesseract's trained data and engine build lie in node_modules: what the lock pins and
// the recogniser loads. Apart from the recogniser so a lock or a config check does not load it.

const require = createRequire(import.meta.url);

/**
 * The English LSTM model that `@tesseract.js-data/eng` ships (integer "best" weights). Read
 * from node_modules: tesseract.js would otherwise download it from a CDN.
 */
export function englishTrainedDataDirectory(): string {
  return trainedDataDirectory('eng');
}

/** The Tesseract language codes the built-in reads when their `@tesseract.js-data` package is installed. */
export const defaultOcrLanguage = 'eng';

/** npm package holding a language's trained data. */
export function trainedDataPackage(language: string): string {
  return `@tesseract.js-data/${language}`;
}

/**
 * Where a language's integer "best" LSTM model lies in node_modules. Languages other than
 * English are optional dependencies: a missing one is named with the command that adds it.
 */
export function trainedDataDirectory(language: string): string {
  if (!/^[a-z]{3}(_[a-z]+)?$/.test(language)) {
    throw new AtelierError(
      'INVALID_ARGUMENT',
      `Expected a Tesseract language code such as "eng" or "fra" but received "${language}"`,
    );
  }
  const name = trainedDataPackage(language);
  let packageFile: string;
  try {
    packageFile = require.resolve(`${name}/package.json`);
  } catch {
    throw new AtelierError(
      'MODEL_UNAVAILABLE',
      `builtin:tesseract: the trained data for language "${language}" is not installed: expected the npm package ${name} (npm install --save-optional ${name})`,
    );
  }
  return join(dirname(packageFile), '4.0.0_best_int');
}

/** Version of the package holding a language's trained data, or null when it is not installed. */
export function trainedDataVersion(language: string): string | null {
  try {
    return (require(`${trainedDataPackage(language)}/package.json`) as { version: string }).version;
  } catch {
    return null;
  }
}

export function englishTrainedDataFile(): string {
  return join(englishTrainedDataDirectory(), 'eng.traineddata.gz');
}

/** package.json of the WebAssembly build of Tesseract that tesseract.js loads. */
export function tesseractCorePackageFile(): string {
  return createRequire(require.resolve('tesseract.js')).resolve('tesseract.js-core/package.json');
}
