// "Did you mean …?" suggestions for misspelt keys and values, by edit distance.

/** Edit distance between two strings (insertions, deletions, substitutions and adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  // d[i][j]: distance between the first i characters of a and the first j of b.
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    d.push(Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  }
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

const normalise = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/**
 * The closest candidate to `input`, or undefined if none is close enough. Case, `_` and `-` differences
 * (base_url → baseUrl) always match; otherwise up to a third of the word may differ.
 */
export function suggest(input: string, candidates: readonly string[]): string | undefined {
  const normal = normalise(input);
  const exact = candidates.find((c) => normalise(c) === normal);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(normal, normalise(candidate));
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  const allowed = Math.max(1, Math.floor(Math.max(normal.length, 3) / 3));
  return bestDistance <= allowed ? best : undefined;
}
