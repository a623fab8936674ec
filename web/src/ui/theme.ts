// Light or dark theme: follows the system until the person picks one, which is remembered on this device.

const KEY = 'parley.theme';

export type Theme = 'light' | 'dark';

/** The theme picked earlier on this device, if any. */
export function savedTheme(): Theme | undefined {
  try {
    const value = localStorage.getItem(KEY);
    return value === 'light' || value === 'dark' ? value : undefined;
  } catch {
    return undefined;
  }
}

/** The theme in effect now (the picked one, else the system's). */
export function currentTheme(): Theme {
  return savedTheme() ?? (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');
}

/** Applies the picked theme to the page (call before the first render to avoid a flash). */
export function applySavedTheme(): void {
  const theme = savedTheme();
  if (theme) document.documentElement.dataset.theme = theme;
}

/** Picks a theme and remembers it (localStorage holds only this preference, never a credential). */
export function pickTheme(theme: Theme): void {
  document.documentElement.dataset.theme = theme;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // storage disabled: the choice lasts until the page is closed
  }
}
