import { useId } from 'react';
import { setTheme, THEME_LABEL, THEMES, useTheme, type Theme } from '../../lib/theme.js';

/** Light, dark or the system's: persists across sessions. */
export function ThemeSelect() {
  const theme = useTheme();
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>Theme</label>
      <select id={id} value={theme} onChange={(e) => setTheme(e.target.value as Theme)}>
        {THEMES.map((t) => (
          <option key={t} value={t}>
            {t === 'system' ? 'System (follows the OS)' : THEME_LABEL[t]}
          </option>
        ))}
      </select>
    </div>
  );
}
