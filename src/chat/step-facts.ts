// Small facts the chat layer reports on its step spans and records.

/** The catalogue code of a thrown value (`internal` for anything that is not a ParleyError-like object). */
export function errorCodeOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'internal';
}

/** Sum of per-category counts (the `parley.privacy.protected` attribute). */
export function totalCount(counts: Record<string, number>): number {
  let total = 0;
  for (const n of Object.values(counts)) total += n;
  return total;
}
