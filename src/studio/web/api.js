// The studio's JSON API, seen from the browser.

export class ApiError extends Error {
  constructor(message, status, details) {
    super(message);
    this.status = status;
    this.details = details ?? [];
  }
}

/** Calls the API; a non-2xx answer throws an ApiError carrying the server's message. */
export async function api(path, { method = 'GET', body } = {}) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const isJson = (response.headers.get('content-type') ?? '').includes('application/json');
  const data = isJson ? await response.json() : null;
  if (!response.ok) {
    throw new ApiError(
      data?.error ?? `${response.status} ${response.statusText}`,
      response.status,
      data?.details,
    );
  }
  return data;
}

const segment = (value) => encodeURIComponent(value);

export const paths = {
  campaigns: () => '/api/campaigns',
  campaign: (campaign) => `/api/campaigns/${segment(campaign)}`,
  runs: (campaign) => `/api/campaigns/${segment(campaign)}/runs`,
  run: (campaign, run) => `/api/campaigns/${segment(campaign)}/runs/${segment(run)}`,
  resume: (campaign, run) => `${paths.run(campaign, run)}/resume`,
  stop: (campaign, run) => `${paths.run(campaign, run)}/stop`,
  chain: (campaign, run, shot, seedIndex) =>
    `${paths.run(campaign, run)}/chains/${segment(shot)}/${seedIndex}`,
  reviews: (campaign, run) => `${paths.run(campaign, run)}/reviews`,
  exportZip: (campaign, run) => `${paths.run(campaign, run)}/export.zip`,
  metrics: () => '/api/metrics',
  /** A stored image; `width` asks for a WebP preview (320, 640 or 1280). */
  artifact: (campaign, sha256, width) =>
    `/artifacts/${segment(campaign)}/${sha256}${width ? `?width=${width}` : ''}`,
};
