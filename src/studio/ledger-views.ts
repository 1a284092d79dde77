import type { Ledger } from '../ledger/ledger.ts';

/**
 * Views computed from one project's ledger (galleries, run lists, metrics), each computed once
 * and kept until the ledger changes: a review recorded here or a job finished by a run's
 * process (`Ledger.changeStamp`). A burst of page loads then costs one computation per view
 * rather than one per request, which is what keeps the studio's event loop free under load.
 *
 * @example
 * const gallery = views.get(`gallery:${run.id}`, () => buildRunGallery(ledger, run));
 */
export class LedgerViews {
  private stamp: string | undefined;
  private readonly values = new Map<string, unknown>();

  constructor(readonly ledger: Ledger) {}

  /** The view under `key`, computed by `compute` unless the ledger is unchanged since it was. */
  get<T>(key: string, compute: () => T): T {
    const stamp = this.ledger.changeStamp();
    if (stamp !== this.stamp) {
      this.values.clear();
      this.stamp = stamp;
    }
    if (this.values.has(key)) return this.values.get(key) as T;
    const value = compute();
    this.values.set(key, value);
    return value;
  }
}
