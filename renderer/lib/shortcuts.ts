/**
 * Every keyboard shortcut of the window, in one list: the `?` overlay shows
 * it, so a shortcut added anywhere is added here too. Keys are written as
 * they are pressed ("g j" = g, then j).
 */
export interface Shortcut {
  keys: readonly string[];
  does: string;
}

export interface ShortcutGroup {
  title: string;
  items: readonly Shortcut[];
}

export const SHORTCUTS: ShortcutGroup[] = [
  {
    title: 'Anywhere',
    items: [
      { keys: ['?'], does: 'Show this list of shortcuts' },
      { keys: ['/', 'Ctrl+K'], does: 'Search' },
      { keys: ['Esc'], does: 'Close a dialog or popover' },
      { keys: ['g j'], does: 'Go to Jobs' },
      { keys: ['g b'], does: 'Go to Batches' },
      { keys: ['g s'], does: 'Go to Search' },
      { keys: ['g t'], does: 'Go to Statistics' },
      { keys: ['g a'], does: 'Go to Automation' },
      { keys: ['g w'], does: 'Go to Workers' },
      { keys: ['g ,'], does: 'Go to Settings' },
      { keys: ['Tab'], does: 'First Tab: “Skip to the job list”' },
    ],
  },
  {
    // Handled by the list itself (features/jobs/JobsTable.tsx), with a row focused.
    title: 'Jobs list',
    items: [
      { keys: ['↓', 'j'], does: 'Next row' },
      { keys: ['↑', 'k'], does: 'Previous row' },
      { keys: ['Page Down', 'Page Up'], does: 'A screen down or up' },
      { keys: ['Home', 'End'], does: 'First or last row' },
      { keys: ['Shift+↓', 'Shift+↑'], does: 'Extend the selection' },
      { keys: ['Space'], does: 'Select or unselect the row' },
      { keys: ['Enter'], does: 'Open the job’s detail' },
      { keys: ['r'], does: 'Retry the selected jobs (or the row)' },
      { keys: ['Delete'], does: 'Delete the selected jobs (or the row), after confirming' },
      { keys: ['Esc'], does: 'Clear the selection; close the detail' },
    ],
  },
];

/** Adds a group (a view's own keys); the overlay lists it from then on. */
export function registerShortcuts(group: ShortcutGroup): void {
  const at = SHORTCUTS.findIndex((g) => g.title === group.title);
  if (at >= 0) SHORTCUTS[at] = group;
  else SHORTCUTS.push(group);
}

/** True when a key press is typing (in a field), which shortcuts must leave alone. */
export function isTyping(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return (
    el.isContentEditable ||
    el.tagName === 'TEXTAREA' ||
    el.tagName === 'SELECT' ||
    (el.tagName === 'INPUT' && !['checkbox', 'radio', 'button'].includes((el as HTMLInputElement).type))
  );
}
