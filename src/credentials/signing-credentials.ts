import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import type { CredentialsConfig } from '../config/campaign-schema.ts';
import { AtelierError } from '../errors.ts';
import { ContentSigner } from './content-credentials.ts';
import { credentialsFolderName, developmentFiles } from './development-credentials.ts';

/** Environment variables that name the signer (a file path or the PEM text itself). */
export const credentialsEnvironment = {
  certificate: 'ATELIER_C2PA_CERTIFICATE',
  key: 'ATELIER_C2PA_KEY',
  trustAnchors: 'ATELIER_C2PA_TRUST_ANCHORS',
} as const;

export type SignerResolution =
  | { readonly signer: ContentSigner; readonly source: string }
  | { readonly signer: undefined; readonly unsignedNote: string };

/**
 * Finds the signer for a project's exports: the config's `credentials` section, else the
 * ATELIER_C2PA_CERTIFICATE / ATELIER_C2PA_KEY variables, else `credentials/` made by
 * `atelier credentials init`. Without any, exports are unsigned and the note says how to sign.
 */
export async function resolveSigner(options: {
  projectDirectory: string;
  config?: CredentialsConfig;
  env?: NodeJS.ProcessEnv;
}): Promise<SignerResolution> {
  const env = options.env ?? process.env;
  const project = options.projectDirectory;
  if (options.config) {
    const material = {
      certificateChainPem: await readPem(
        resolveIn(project, options.config.certificate),
        'credentials.certificate',
      ),
      privateKeyPem: await readPem(resolveIn(project, options.config.key), 'credentials.key'),
    };
    return { signer: ContentSigner.fromPem(material), source: 'the config (credentials)' };
  }
  const fromEnvCertificate = env[credentialsEnvironment.certificate];
  const fromEnvKey = env[credentialsEnvironment.key];
  if (fromEnvCertificate || fromEnvKey) {
    if (!fromEnvCertificate || !fromEnvKey) {
      throw new AtelierError(
        'CONFIG_INVALID',
        `Content Credentials: set both ${credentialsEnvironment.certificate} and ${credentialsEnvironment.key} (a path or PEM text each), or neither`,
      );
    }
    const material = {
      certificateChainPem: await pemFromVariable(fromEnvCertificate, credentialsEnvironment.certificate),
      privateKeyPem: await pemFromVariable(fromEnvKey, credentialsEnvironment.key),
    };
    return { signer: ContentSigner.fromPem(material), source: 'the environment' };
  }
  const folder = join(project, credentialsFolderName);
  const certificate = join(folder, developmentFiles.certificateChain);
  const key = join(folder, developmentFiles.privateKey);
  if (existsSync(certificate) && existsSync(key)) {
    const material = {
      certificateChainPem: await readPem(certificate, certificate),
      privateKeyPem: await readPem(key, key),
    };
    return { signer: ContentSigner.fromPem(material), source: `${credentialsFolderName}/` };
  }
  return {
    signer: undefined,
    unsignedNote: `exports are unsigned: no Content Credentials signer (run \`atelier credentials init\`, set ${credentialsEnvironment.certificate} and ${credentialsEnvironment.key}, or add a credentials section)`,
  };
}

/** The trust anchors `verify` uses: an explicit file, the environment, or the config's. */
export async function resolveTrustAnchors(options: {
  projectDirectory: string;
  path?: string;
  config?: CredentialsConfig;
  env?: NodeJS.ProcessEnv;
}): Promise<string | undefined> {
  const env = options.env ?? process.env;
  if (options.path) return readPem(resolve(options.path), '--trust-anchors');
  const fromEnv = env[credentialsEnvironment.trustAnchors];
  if (fromEnv) return pemFromVariable(fromEnv, credentialsEnvironment.trustAnchors);
  if (options.config?.trustAnchors)
    return readPem(
      resolveIn(options.projectDirectory, options.config.trustAnchors),
      'credentials.trustAnchors',
    );
  return undefined;
}

function resolveIn(project: string, path: string): string {
  return isAbsolute(path) ? path : join(project, path);
}

async function pemFromVariable(value: string, variable: string): Promise<string> {
  return value.includes('-----BEGIN') ? value : readPem(resolve(value), variable);
}

async function readPem(path: string, what: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new AtelierError(
      'CONFIG_INVALID',
      `Content Credentials: cannot read ${what} (${path}): ${code === 'ENOENT' ? 'no such file' : code}`,
    );
  }
  if (!text.includes('-----BEGIN')) {
    throw new AtelierError('CONFIG_INVALID', `Content Credentials: ${what} (${path}) is not PEM text`);
  }
  return text;
}
