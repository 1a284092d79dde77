// @ts-check
// How numbers read in the studio: short, unambiguous, the same on every page.

/**
 * `0.4 s`, `12.3 s`, `4 min 05 s`, `2 h 03 min`, `3 d 4 h`.
 * @param {number | null | undefined} ms
 */
export function formatDuration(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 24 * 60) return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
  const hours = Math.round(minutes / 60);
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

/**
 * A timestamp as local date and time, e.g. `26 Nov, 14:05`.
 * @param {string | null | undefined} iso
 */
export function formatTime(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  const sameDay = date.toDateString() === new Date().toDateString();
  const time = date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
  return sameDay
    ? time
    : `${date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}, ${time}`;
}

/**
 * `just now`, `5 min ago`, `3 h ago`, or the date.
 * @param {string | null | undefined} iso
 */
export function formatAgo(iso) {
  if (!iso) return '—';
  const elapsed = Date.now() - Date.parse(iso);
  if (elapsed < 45_000) return 'just now';
  if (elapsed < 3_600_000) return `${Math.round(elapsed / 60_000)} min ago`;
  if (elapsed < 86_400_000) return `${Math.round(elapsed / 3_600_000)} h ago`;
  return formatTime(iso);
}

/** @param {number | null | undefined} fraction */
export function formatPercent(fraction) {
  return fraction === null || fraction === undefined ? '—' : `${Math.round(fraction * 100)}%`;
}

/** @param {number | null | undefined} score */
export function formatScore(score) {
  return score === null || score === undefined ? '' : score.toFixed(2);
}

/** @param {number | null | undefined} usd */
export function formatCost(usd) {
  if (!usd) return '$0';
  return usd < 0.01 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** @param {string | null | undefined} sha */
export function shortSha(sha) {
  return sha ? sha.slice(0, 10) : '—';
}

/**
 * @param {number} count
 * @param {string} word
 */
export function plural(count, word) {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}
