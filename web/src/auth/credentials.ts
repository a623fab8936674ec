// Where the API key lives: memory plus this tab's sessionStorage (never localStorage, never a cookie).

const KEY = 'parley.apiKey';

/** The key saved for this tab, if any. */
export function loadKey(): string | undefined {
  try {
    return sessionStorage.getItem(KEY) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Keeps the key for this tab only (closing the tab forgets it). */
export function saveKey(apiKey: string): void {
  try {
    sessionStorage.setItem(KEY, apiKey);
  } catch {
    // storage disabled: the key stays in memory only
  }
}

/** Forgets the key. */
export function clearKey(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // nothing stored
  }
}
