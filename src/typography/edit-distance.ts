/**
 * Levenshtein distance between two strings, counted in Unicode code points (so "é" or an
 * emoji is one character, not two UTF-16 units): the fewest insertions, deletions and
 * substitutions that turn `a` into `b`.
 *
 * @example editDistance('Sprnig', 'Spring') // 2
 */
export function editDistance(a: string, b: string): number {
  const left = Array.from(a);
  const right = Array.from(b);
  if (left.length === 0) return right.length;
  if (right.length === 0) return left.length;
  // Two rolling rows: memory grows with the shorter text only.
  let previous = Array.from({ length: right.length + 1 }, (_, index) => index);
  let current = new Array<number>(right.length + 1).fill(0);
  for (let row = 1; row <= left.length; row++) {
    current[0] = row;
    const character = left[row - 1];
    for (let column = 1; column <= right.length; column++) {
      const substitution = previous[column - 1]! + (character === right[column - 1] ? 0 : 1);
      current[column] = Math.min(previous[column]! + 1, current[column - 1]! + 1, substitution);
    }
    [previous, current] = [current, previous];
  }
  return previous[right.length]!;
}
