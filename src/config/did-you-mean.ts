/** "Did you mean ...?" for a mistyped key, command or option: the nearest known name, if it is near enough. */

/** Edit distance (insertions, deletions, substitutions, and swaps of two neighbours: "usres" is one from "users"). */
function distance(a: string, b: string): number {
  const rows: number[][] = [Array.from({ length: b.length + 1 }, (_, j) => j)];
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const above = rows[i - 1]!;
      row[j] = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j]!, rows[i - 2]![j - 2]! + 1);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}

/** The known name nearest to `typed` within a third of its length (at least 1, at most 3 edits), or undefined. */
export function nearest(typed: string, known: Iterable<string>): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(typed.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const d = distance(typed.toLowerCase(), name.toLowerCase());
    if (d <= limit && (best === undefined || d < best.distance)) best = { name, distance: d };
  }
  return best?.name;
}

/** ` (did you mean "x"?)`, or nothing. */
export function didYouMean(typed: string, known: Iterable<string>): string {
  const suggestion = nearest(typed, known);
  return suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
}
