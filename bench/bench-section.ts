/** One section of `npm run bench`'s report: a titled table of rows, with notes on how to read it. */
export interface BenchSection {
  title: string;
  rows: Array<Record<string, string | number>>;
  notes?: string[];
}
