import { canonicalJson } from '../util/canonical-json.ts';
import { loadSharp } from '../util/sharp.ts';

/**
 * The part of a manifest that is a pure function of what made the image: it is embedded in
 * the file itself (XMP), so it must not hold anything that changes between identical runs
 * (timings, run ids). Its hash is the job's cache key.
 */
export interface Provenance {
  stage: string;
  params: unknown;
  model: unknown;
  /** Lock entries of the models bound to the stage's extra roles; absent when it has none. */
  extraModels?: Record<string, unknown>;
  seed: number;
  shot: Record<string, unknown>;
  brand: unknown;
  /** The quality-gate settings the stage enforces; absent for stages without a gate. */
  qa?: unknown;
  inputs: string[];
}

const namespace = 'urn:atelier:ns:1.0';
const elementPattern = /<atelier:provenance>([\s\S]*?)<\/atelier:provenance>/;

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function unescapeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/**
 * An XMP packet carrying the provenance record as canonical JSON (readable by any XMP tool).
 * Canonical, because the same record can arrive with keys in another order (e.g. a lock entry
 * read back from the lockfile) and must still give the same bytes.
 */
export function provenanceXmp(record: { cacheKey: string } & Provenance): string {
  return (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    `<rdf:Description rdf:about="" xmlns:atelier="${namespace}">` +
    `<atelier:provenance>${escapeXml(canonicalJson(record))}</atelier:provenance>` +
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

/** Reads the embedded provenance back from a PNG, JPEG or WebP file written by Atelier. */
export async function readEmbeddedProvenance(
  bytes: Uint8Array,
): Promise<({ cacheKey: string } & Provenance) | undefined> {
  const sharp = await loadSharp();
  const { xmp } = await sharp(bytes).metadata();
  if (!xmp) return undefined;
  const match = elementPattern.exec(xmp.toString('utf8'));
  return match ? JSON.parse(unescapeXml(match[1]!)) : undefined;
}
