import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtelierError } from '../errors.ts';
import {
  ContentSigner,
  type CredentialAction,
  type CredentialsContent,
  readContentCredentials,
} from './content-credentials.ts';
import { createDevelopmentCredentials, type DevelopmentCredentials } from './development-credentials.ts';
import { digitalSourceTypes } from './software-agent.ts';

let folder: string;
let made: DevelopmentCredentials;
let signer: ContentSigner;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'atelier-credentials-'));
  made = await createDevelopmentCredentials(folder);
  signer = ContentSigner.fromPem({
    certificateChainPem: await readFile(made.certificateChainPath, 'utf8'),
    privateKeyPem: await readFile(made.privateKeyPath, 'utf8'),
  });
});
afterAll(() => rm(folder, { recursive: true, force: true }));

const actions: CredentialAction[] = [
  {
    action: 'c2pa.created',
    digitalSourceType: digitalSourceTypes.algorithmicMedia,
    softwareAgent: { name: 'builtin:draft', version: '0.1.0+sha256.0123456789ab' },
    parameters: { size: '512x512' },
  },
  { action: 'c2pa.resized', softwareAgent: { name: 'builtin:esrgan-slim', version: '1.0.0' } },
  { action: 'c2pa.cropped', parameters: { crop: '4x5' } },
];
const content: CredentialsContent = {
  title: 'hero-42-4x5.png',
  actions,
  provenance: { run: 'run-1', shot: 'hero', seed: 42 },
};
const formats = [
  ['png', 'image/png'],
  ['jpeg', 'image/jpeg'],
  ['webp', 'image/webp'],
] as const;

async function image(format: (typeof formats)[number][0]): Promise<Uint8Array> {
  return sharp({ create: { width: 96, height: 72, channels: 3, background: '#e8a0bf' } })
    [format]()
    .toBuffer();
}

/** Flips one bit inside the image data the manifest's hash covers (located by its original bytes). */
function tamper(signed: Uint8Array, original: Uint8Array): Uint8Array {
  const middle = Math.floor(original.length / 2) - 8;
  const window = Buffer.from(original.subarray(middle, middle + 16));
  const at = Buffer.from(signed).indexOf(window);
  expect(at).toBeGreaterThan(0);
  const copy = Uint8Array.from(signed);
  copy[at + 4]! ^= 1;
  return copy;
}

describe.each(formats)('Content Credentials on %s', (format, mediaType) => {
  it('signs and reads back the signer, the actions in order and the provenance assertion', async () => {
    const signed = await signer.sign(await image(format), mediaType, content);
    const reading = await readContentCredentials(signed, mediaType);
    expect(reading.state).toBe('valid');
    expect(reading.signer).toBe('Atelier development signer');
    expect(reading.actions.map((action) => action.action)).toEqual([
      'c2pa.created',
      'c2pa.resized',
      'c2pa.cropped',
    ]);
    expect(reading.actions[0]).toMatchObject({
      digitalSourceType: digitalSourceTypes.algorithmicMedia,
      softwareAgent: { name: 'builtin:draft', version: '0.1.0+sha256.0123456789ab' },
    });
    expect(reading.provenance).toEqual(content.provenance);
    expect(reading.problems).toEqual([]);
  });

  it('reads one changed byte as invalid, naming the data hash', async () => {
    const original = await image(format);
    const reading = await readContentCredentials(
      tamper(await signer.sign(original, mediaType, content), original),
      mediaType,
    );
    expect(reading.state).toBe('invalid');
    expect(reading.problems.join(' ')).toMatch(/dataHash\.mismatch/);
  });

  it('is lost by re-encoding, so nothing may re-encode after signing', async () => {
    const signed = await signer.sign(await image(format), mediaType, content);
    const reencoded = await sharp(signed)[format]().toBuffer();
    expect((await readContentCredentials(reencoded, mediaType)).state).toBe('none');
  });
});

describe('trust', () => {
  it('reads a development signer as trusted once its CA is a trust anchor', async () => {
    const signed = await signer.sign(await image('png'), 'image/png', content);
    const anchors = await readFile(made.authorityPath, 'utf8');
    expect((await readContentCredentials(signed, 'image/png')).state).toBe('valid');
    expect((await readContentCredentials(signed, 'image/png', { trustAnchorsPem: anchors })).state).toBe(
      'trusted',
    );
  });

  it('reads an unsigned image as having no credentials', async () => {
    expect((await readContentCredentials(await image('png'), 'image/png')).state).toBe('none');
  });
});

describe('signing material', () => {
  it('keeps existing development credentials unless asked to replace them', async () => {
    const again = await createDevelopmentCredentials(folder);
    expect(again.created).toBe(false);
    expect(await readFile(join(folder, 'credentials', '.gitignore'), 'utf8')).toMatch(/^\*$/m);
  });

  it('refuses a chain whose first certificate is the CA, saying what it expected', async () => {
    const authority = await readFile(made.authorityPath, 'utf8');
    const attempt = () =>
      ContentSigner.fromPem({
        certificateChainPem: authority,
        privateKeyPem: 'unused',
      });
    expect(attempt).toThrow(AtelierError);
    expect(attempt).toThrow(/expected the signer's own certificate first/);
  });

  it('refuses, before anything is signed, a key that is not P-256 or does not match the certificate', async () => {
    const certificateChainPem = await readFile(made.certificateChainPath, 'utf8');
    const pemOf = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();
    const otherP256 = pemOf(generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey);
    const rsa = pemOf(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
    const attempt = (privateKeyPem: string) => () =>
      ContentSigner.fromPem({ certificateChainPem, privateKeyPem });
    expect(attempt(otherP256)).toThrow(/does not match the certificate CN=/);
    expect(attempt(rsa)).toThrow(/expected an ES256 \(P-256\) private key .*found a rsa key/);
    expect(attempt('not a key')).toThrow(AtelierError);
  });
});
