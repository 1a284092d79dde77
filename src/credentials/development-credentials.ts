import { webcrypto } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where `atelier credentials init` writes, inside the project, and what it writes there. */
export const credentialsFolderName = 'credentials';
export const developmentFiles = {
  certificateChain: 'signer.pem',
  privateKey: 'signer.key',
  authority: 'development-ca.pem',
} as const;

const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const day = 24 * 3600 * 1000;
/** emailProtection: the extended key usage C2PA accepts on an end-entity signing certificate. */
const emailProtection = '1.3.6.1.5.5.7.3.4';

export interface DevelopmentCredentials {
  readonly folder: string;
  readonly certificateChainPath: string;
  readonly privateKeyPath: string;
  readonly authorityPath: string;
  readonly created: boolean;
}

/**
 * Creates a development CA and an ES256 signer certificate issued by it (the C2PA SDK refuses a
 * self-signed leaf) under `<project>/credentials/`, with a `.gitignore` that keeps them out of
 * version control. Readers show such a signer as untrusted until a real certificate is used;
 * `atelier verify --trust-anchors credentials/development-ca.pem` trusts it locally.
 * Leaves existing credentials alone unless `replace` is set.
 */
export async function createDevelopmentCredentials(
  projectDirectory: string,
  options: { replace?: boolean; validDays?: number } = {},
): Promise<DevelopmentCredentials> {
  const folder = join(projectDirectory, credentialsFolderName);
  const paths = {
    folder,
    certificateChainPath: join(folder, developmentFiles.certificateChain),
    privateKeyPath: join(folder, developmentFiles.privateKey),
    authorityPath: join(folder, developmentFiles.authority),
  };
  if (!options.replace && existsSync(paths.certificateChainPath) && existsSync(paths.privateKeyPath)) {
    return { ...paths, created: false };
  }
  // Loaded here: only `credentials init` needs it, and it is slow to load.
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as never);
  const notBefore = new Date(Date.now() - day);
  const notAfter = new Date(Date.now() + (options.validDays ?? 365) * day);
  const authorityKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const authority = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: 'CN=Atelier development CA, O=Atelier (development only, untrusted)',
    notBefore,
    notAfter,
    keys: authorityKeys as never,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(authorityKeys.publicKey as never),
    ],
  });
  const signerKeys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const signer = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: 'CN=Atelier development signer, O=Atelier (development only, untrusted)',
    issuer: authority.subject,
    notBefore,
    notAfter,
    signingKey: authorityKeys.privateKey as never,
    publicKey: signerKeys.publicKey as never,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([emailProtection], true),
      await x509.SubjectKeyIdentifierExtension.create(signerKeys.publicKey as never),
      await x509.AuthorityKeyIdentifierExtension.create(authorityKeys.publicKey as never),
    ],
  });
  const privateKey = await webcrypto.subtle.exportKey('pkcs8', signerKeys.privateKey);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, '.gitignore'), '# Development signing credentials: never commit them.\n*\n');
  await writeFile(paths.certificateChainPath, `${signer.toString('pem')}\n${authority.toString('pem')}\n`);
  await writeFile(paths.privateKeyPath, `${x509.PemConverter.encode(privateKey, 'PRIVATE KEY')}\n`, {
    mode: 0o600,
  });
  await writeFile(paths.authorityPath, `${authority.toString('pem')}\n`);
  return { ...paths, created: true };
}

function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(8));
  bytes[0] = bytes[0]! & 0x7f;
  return Buffer.from(bytes).toString('hex');
}
