import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import type { LocalSigner, Reader } from '@contentauth/c2pa-node';
import { AtelierError } from '../errors.ts';
import { sha256 } from '../util/canonical-json.ts';

/** One entry of the `c2pa.actions` assertion (C2PA 2.x action, snake-free JSON as the SDK takes it). */
export interface CredentialAction {
  readonly action: string;
  readonly digitalSourceType?: string;
  readonly softwareAgent?: { readonly name: string; readonly version?: string };
  readonly description?: string;
  readonly parameters?: Record<string, unknown>;
}

/** What one exported file's manifest says: its actions in order and Atelier's own record. */
export interface CredentialsContent {
  readonly title: string;
  readonly actions: readonly CredentialAction[];
  /** The `com.atelier.provenance` assertion: run, shot, seed, lock digests, manifest digest. */
  readonly provenance: Record<string, unknown>;
}

/** The custom assertion Atelier adds beside `c2pa.actions`. */
export const provenanceAssertionLabel = 'com.atelier.provenance';

/** The certificate chain (leaf first) and private key a signer is made from, as PEM text. */
export interface SigningMaterial {
  readonly certificateChainPem: string;
  readonly privateKeyPem: string;
}

const claimGenerator = { name: 'atelier', version: '0.1.0' };

/**
 * The official Rust SDK's Node bindings, loaded by the first file signed or read: a run that
 * signs nothing new (every export already sealed) never loads them.
 */
function c2paSdk() {
  return import('@contentauth/c2pa-node');
}

/**
 * Signs exported images with a C2PA manifest through the official Rust SDK's Node bindings.
 * ES256 over a certificate chain (the SDK refuses a self-signed leaf). Signing is the last step
 * that touches a file's bytes: re-encoding drops the manifest.
 *
 * @example
 * const signer = ContentSigner.fromPem(material);
 * const signed = await signer.sign(pngBytes, 'image/png', { title: 'hero.png', actions, provenance });
 */
export class ContentSigner {
  /** sha256 of the leaf certificate (DER): names the signing identity in cache keys and records. */
  readonly fingerprint: string;
  /** The leaf certificate's subject, e.g. `CN=Atelier development signer`. */
  readonly subject: string;

  private signer: Promise<LocalSigner> | undefined;

  private constructor(
    private readonly material: SigningMaterial,
    leaf: X509Certificate,
  ) {
    this.fingerprint = sha256(leaf.raw);
    this.subject = leaf.subject.replace(/\n/g, ', ');
  }

  static fromPem(material: SigningMaterial): ContentSigner {
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(material.certificateChainPem);
    } catch (error) {
      throw new AtelierError(
        'CONFIG_INVALID',
        `Content Credentials certificate: expected a PEM certificate chain (leaf first) but it could not be read (${(error as Error).message})`,
      );
    }
    if (leaf.ca) {
      throw new AtelierError(
        'CONFIG_INVALID',
        `Content Credentials certificate: the first certificate (${leaf.subject}) is a CA; expected the signer's own certificate first, then its issuers`,
      );
    }
    // Checked here, before any work, as the SDK would check it at the first signature.
    const expected = 'expected an ES256 (P-256) private key in PEM matching the certificate';
    let key: KeyObject;
    try {
      key = createPrivateKey(material.privateKeyPem);
    } catch (error) {
      throw new AtelierError(
        'CONFIG_INVALID',
        `Content Credentials key: ${expected} (${(error as Error).message})`,
      );
    }
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      const found = key.asymmetricKeyDetails?.namedCurve ?? key.asymmetricKeyType ?? 'unknown';
      throw new AtelierError('CONFIG_INVALID', `Content Credentials key: ${expected} (found a ${found} key)`);
    }
    if (!leaf.checkPrivateKey(key)) {
      throw new AtelierError(
        'CONFIG_INVALID',
        `Content Credentials key: ${expected} (it does not match the certificate ${leaf.subject.replace(/\n/g, ', ')})`,
      );
    }
    return new ContentSigner(material, leaf);
  }

  private localSigner(): Promise<LocalSigner> {
    this.signer ??= c2paSdk().then(({ LocalSigner }) => {
      try {
        return LocalSigner.newSigner(
          Buffer.from(this.material.certificateChainPem),
          Buffer.from(this.material.privateKeyPem),
          'es256',
        );
      } catch (error) {
        throw new AtelierError(
          'CONFIG_INVALID',
          `Content Credentials: the C2PA SDK refused the certificate and key (${(error as Error).message})`,
        );
      }
    });
    return this.signer;
  }

  /** The bytes with a signed C2PA manifest embedded (PNG, JPEG or WebP). */
  async sign(bytes: Uint8Array, mediaType: string, content: CredentialsContent): Promise<Uint8Array> {
    const signer = await this.localSigner();
    const { Builder } = await c2paSdk();
    const builder = Builder.withJson(
      {
        claim_generator_info: [claimGenerator],
        title: content.title,
        format: mediaType,
        assertions: [
          { label: 'c2pa.actions', data: { actions: content.actions } },
          { label: provenanceAssertionLabel, data: content.provenance },
        ],
      } as never,
      // The embedded thumbnail costs ~20x the signing time and the file is its own preview.
      { builder: { thumbnail: { enabled: false } } },
    );
    const output: { buffer: Buffer | null } = { buffer: null };
    builder.sign(signer, { buffer: Buffer.from(bytes), mimeType: mediaType }, output);
    if (!output.buffer) throw new Error('the C2PA SDK returned no signed bytes');
    return new Uint8Array(output.buffer.buffer, output.buffer.byteOffset, output.buffer.byteLength);
  }
}

/**
 * What a C2PA reader makes of a file. `valid`: intact and well signed, by a signer not among
 * the trust anchors (a development certificate shows this way); `trusted`: the same, chained to
 * a trust anchor; `invalid`: tampered or badly signed; `none`: no Content Credentials at all.
 */
export type CredentialsState = 'trusted' | 'valid' | 'invalid' | 'none';

export interface CredentialsReading {
  readonly state: CredentialsState;
  readonly signer: string | undefined;
  readonly actions: CredentialAction[];
  readonly provenance: Record<string, unknown> | undefined;
  /** The validation codes that failed (e.g. `assertion.dataHash.mismatch`), with explanations. */
  readonly problems: string[];
}

interface ValidationStatus {
  code: string;
  explanation?: string;
}

/** Codes that only say the signer is not trusted: the file itself is intact. */
const untrustedCodes = new Set(['signingCredential.untrusted']);

/**
 * Reads and validates a file's Content Credentials, trusting the given anchors (PEM) besides
 * none: Atelier ships no trust list, so without anchors an intact file reads `valid`.
 */
export async function readContentCredentials(
  bytes: Uint8Array,
  mediaType: string,
  options: { trustAnchorsPem?: string } = {},
): Promise<CredentialsReading> {
  const settings = {
    verify: { verify_trust: true },
    ...(options.trustAnchorsPem ? { trust: { trust_anchors: options.trustAnchorsPem } } : {}),
  };
  const { Reader } = await c2paSdk();
  let reader: Reader | null;
  try {
    reader = await Reader.fromAsset({ buffer: Buffer.from(bytes), mimeType: mediaType }, settings);
  } catch (error) {
    const message = (error as Error).message;
    if (/no manifest|JumbfNotFound|ManifestNotFound/i.test(message)) return noCredentials();
    return { ...noCredentials(), state: 'invalid', problems: [message] };
  }
  if (!reader) return noCredentials();
  const store = reader.json() as {
    validation_status?: ValidationStatus[];
    validation_state?: string;
  };
  const active = reader.getActive() as
    | {
        signature_info?: { common_name?: string; issuer?: string };
        assertions?: Array<{ label: string; data: unknown }>;
      }
    | undefined;
  const failures = (store.validation_status ?? []).filter((status) => !untrustedCodes.has(status.code));
  const untrusted = (store.validation_status ?? []).some((status) => untrustedCodes.has(status.code));
  const assertion = (label: string) =>
    active?.assertions?.find((entry) => entry.label === label || entry.label.startsWith(`${label}.v`))?.data;
  const state: CredentialsState =
    failures.length > 0 || store.validation_state === 'Invalid' ? 'invalid' : untrusted ? 'valid' : 'trusted';
  return {
    state,
    signer: active?.signature_info?.common_name ?? active?.signature_info?.issuer,
    actions: ((assertion('c2pa.actions') as { actions?: CredentialAction[] } | undefined)?.actions ?? []).map(
      (action) => action,
    ),
    provenance: assertion(provenanceAssertionLabel) as Record<string, unknown> | undefined,
    problems: failures.map(
      (status) => `${status.code}${status.explanation ? `: ${status.explanation}` : ''}`,
    ),
  };
}

function noCredentials(): CredentialsReading {
  return { state: 'none', signer: undefined, actions: [], provenance: undefined, problems: [] };
}
