/**
 * Light or dark: follows the OS (prefers-color-scheme) unless the person
 * chose one; the choice persists. The stylesheet reads `data-theme` on the
 * root element ("light" / "dark"; absent = follow the OS).
 */
import { useSyncExternalStore } from 'react';
import { readPref, writePref } from './prefs.js';

export const THEMES = ['system', 'light', 'dark'] as const;
export type Theme = (typeof THEMES)[number];

export const THEME_LABEL: Record<Theme, string> = { system: 'System', light: 'Light', dark: 'Dark' };

const KEY = 'theme';
const listeners = new Set<() => void>();

export function storedTheme(): Theme {
  const t = readPref(KEY);
  return (THEMES as readonly unknown[]).includes(t) ? (t as Theme) : 'system';
}

/** Sets the root element's attribute; called at start (before the first paint) and on each change. */
export function applyTheme(theme: Theme = storedTheme()): void {
  const root = document.documentElement;
  if (theme === 'system') delete root.dataset.theme;
  else root.dataset.theme = theme;
}

export function setTheme(theme: Theme): void {
  writePref(KEY, theme);
  applyTheme(theme);
  for (const l of listeners) l();
}

/** Told after each change made in this window (the desktop app mirrors it to main's native theme). */
export function onThemeChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The next theme in the toolbar button's cycle. */
export function nextTheme(theme: Theme): Theme {
  return THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length]!;
}

export function useTheme(): Theme {
  return useSyncExternalStore((l) => {
    listeners.add(l);
    // Another window of the same origin changed it.
    const onStorage = () => {
      applyTheme();
      l();
    };
    window.addEventListener('storage', onStorage);
    return () => {
      listeners.delete(l);
      window.removeEventListener('storage', onStorage);
    };
  }, storedTheme);
}
