import type { Context } from 'hono';
import type { CampaignCatalog } from './campaign-catalog.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;
/** Preview widths the gallery asks for; anything else is refused rather than rendered. */
export const previewWidths = [320, 640, 1280] as const;
const immutable = 'private, max-age=31536000, immutable';

/**
 * `GET /artifacts/:campaign/:sha256[?width=640]`: a stored artifact by its address, with the
 * media type recorded in the ledger. Nothing from the request reaches a file path except a
 * validated sha256, so `..`, encoded slashes and the like are refused before any lookup.
 * Artifacts never change under their address, so responses are cached for good; `width`
 * serves a WebP preview from the workspace's preview cache (rendered once, kept for good).
 */
export async function serveArtifact(context: Context, catalog: CampaignCatalog): Promise<Response> {
  const address = context.req.param('sha256') ?? '';
  if (!sha256Pattern.test(address))
    return context.text('Bad request: expected a sha256 artifact address', 400);
  const widthParameter = context.req.query('width');
  const width = widthParameter === undefined ? undefined : Number(widthParameter);
  if (width !== undefined && !previewWidths.includes(width as (typeof previewWidths)[number])) {
    return context.text(`Bad request: width must be one of ${previewWidths.join(', ')}`, 400);
  }
  const entry = await catalog.get(context.req.param('campaign') ?? '');
  const workspace = entry && catalog.workspace(entry);
  const recorded = workspace?.ledger.artifact(address);
  if (!workspace || !recorded) return context.text('Not found', 404);

  const preview = width !== undefined && (recorded.width ?? 0) > width;
  const etag = preview ? `"${address}-${width}"` : `"${address}"`;
  const headers = { ETag: etag, 'Cache-Control': immutable, 'X-Content-Type-Options': 'nosniff' };
  if (context.req.header('if-none-match') === etag) return context.body(null, 304, headers);

  const bytes = preview
    ? await workspace.previews.get(address, width, 'webp')
    : await workspace.store.get(address);
  if (!bytes) return context.text('Not found: the artifact is missing from the store or corrupt', 404);
  return context.body(bytes as Uint8Array<ArrayBuffer>, 200, {
    ...headers,
    'Content-Type': preview ? 'image/webp' : recorded.mediaType,
    'Content-Length': String(bytes.byteLength),
  });
}
