// @ts-check
// The studio's JSON API, seen from the browser. Each path names the body its answer carries
// (the types of ../api-types.ts, which the server builds its answers against), so `api()`
// returns a typed promise.

/** @typedef {import('../api-types.ts').ActiveRunResponse} ActiveRunResponse */
/** @typedef {import('../api-types.ts').ApiErrorBody} ApiErrorBody */
/** @typedef {import('../api-types.ts').CampaignDescription} CampaignDescription */
/** @typedef {import('../api-types.ts').CampaignListResponse} CampaignListResponse */
/** @typedef {import('../api-types.ts').ChainDetailResponse} ChainDetailResponse */
/** @typedef {import('../api-types.ts').MetricsResponse} MetricsResponse */
/** @typedef {import('../api-types.ts').ReviewResponse} ReviewResponse */
/** @typedef {import('../api-types.ts').RunGalleryResponse} RunGalleryResponse */

/**
 * An API path whose JSON answer is a `T` (the property only exists for the type checker).
 * @template T
 * @typedef {string & { readonly __response: T }} ApiPath
 */

export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   * @param {readonly string[]} [details]
   */
  constructor(message, status, details) {
    super(message);
    this.status = status;
    /** @type {readonly string[]} */
    this.details = details ?? [];
  }
}

/**
 * Calls the API; a non-2xx answer throws an ApiError carrying the server's message.
 * @template T
 * @param {ApiPath<T>} path
 * @param {{ method?: 'GET' | 'POST', body?: unknown }} [options]
 * @returns {Promise<T>}
 */
export async function api(path, { method = 'GET', body } = {}) {
  // The studio takes writes only as JSON (its guard against cross-site forms), so a POST
  // always sends a JSON body, `{}` when it has nothing to say.
  const sent = method === 'GET' ? undefined : JSON.stringify(body ?? {});
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: sent === undefined ? {} : { 'Content-Type': 'application/json' },
    body: sent,
  });
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  const data = isJson ? await response.json() : null;
  if (!response.ok) {
    const failure = /** @type {Partial<ApiErrorBody> | null} */ (data);
    throw new ApiError(
      failure?.error ?? `${response.status} ${response.statusText}`,
      response.status,
      failure?.details,
    );
  }
  return data;
}

/**
 * The message of something caught: an Error's message, else the value as text.
 * @param {unknown} error
 */
export function messageOf(error) {
  return error instanceof Error ? error.message : String(error);
}

/** @param {string | number} value */
const segment = (value) => encodeURIComponent(value);

/**
 * @template T
 * @param {string} path
 * @returns {ApiPath<T>}
 */
const answering = (path) => /** @type {ApiPath<T>} */ (path);

export const paths = {
  /** @returns {ApiPath<CampaignListResponse>} */
  campaigns: () => answering('/api/campaigns'),
  /**
   * @param {string} campaign
   * @returns {ApiPath<CampaignDescription>}
   */
  campaign: (campaign) => answering(`/api/campaigns/${segment(campaign)}`),
  /**
   * POST starts a run.
   * @param {string} campaign
   * @returns {ApiPath<ActiveRunResponse>}
   */
  runs: (campaign) => answering(`/api/campaigns/${segment(campaign)}/runs`),
  /**
   * @param {string} campaign
   * @param {string} run
   * @returns {ApiPath<RunGalleryResponse>}
   */
  run: (campaign, run) => answering(`/api/campaigns/${segment(campaign)}/runs/${segment(run)}`),
  /**
   * @param {string} campaign
   * @param {string} run
   * @returns {ApiPath<ActiveRunResponse>}
   */
  resume: (campaign, run) => answering(`${paths.run(campaign, run)}/resume`),
  /**
   * @param {string} campaign
   * @param {string} run
   * @returns {ApiPath<ActiveRunResponse>}
   */
  stop: (campaign, run) => answering(`${paths.run(campaign, run)}/stop`),
  /**
   * @param {string} campaign
   * @param {string} run
   * @param {string} shot
   * @param {number} seedIndex
   * @returns {ApiPath<ChainDetailResponse>}
   */
  chain: (campaign, run, shot, seedIndex) =>
    answering(`${paths.run(campaign, run)}/chains/${segment(shot)}/${seedIndex}`),
  /**
   * POST records a review.
   * @param {string} campaign
   * @param {string} run
   * @returns {ApiPath<ReviewResponse>}
   */
  reviews: (campaign, run) => answering(`${paths.run(campaign, run)}/reviews`),
  /**
   * The approved set as a zip download (not JSON).
   * @param {string} campaign
   * @param {string} run
   */
  exportZip: (campaign, run) => `${paths.run(campaign, run)}/export.zip`,
  /** @returns {ApiPath<MetricsResponse>} */
  metrics: () => answering('/api/metrics'),
  /**
   * A stored image; `width` asks for a WebP preview (320, 640 or 1280).
   * @param {string} campaign
   * @param {string} sha256
   * @param {number} [width]
   */
  artifact: (campaign, sha256, width) =>
    `/artifacts/${segment(campaign)}/${sha256}${width ? `?width=${width}` : ''}`,
};
