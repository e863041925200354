import { useShallow } from 'zustand/react/shallow';
import { nextTheme, setTheme, THEME_LABEL, useTheme } from '../../lib/theme.js';
import { useJobs } from '../../store/context.js';
import { AddButtons } from '../dropzone/AddButtons.js';
import { ExportButton } from '../export/ExportDialog.js';
import { openShortcuts } from '../help/Shortcuts.js';
import { IntakeSummary } from '../intake/IntakeSummary.js';
import { SearchBox } from '../search/SearchBox.js';

/** The toolbar: who we are, adding work, the queue switch, search, export, theme and help. */
export function Header() {
  const version = useJobs((s) => s.app?.version);
  const kind = useJobs((s) => s.app?.transport);
  return (
    <header className="app-header">
      <div className="brand">
        <h1>Quarry</h1>
        {version && <span className="version">v{version}</span>}
        {kind && (
          <span className="transport" title={kind === 'electron' ? 'Desktop app (Electron)' : 'Browser, via the local bridge'}>
            {kind === 'electron' ? 'Desktop' : 'Browser'}
          </span>
        )}
      </div>
      <AddButtons />
      <IntakeSummary />
      <div className="toolbar-search">
        <SearchBox />
      </div>
      <div className="engine-controls">
        <PauseButton />
        <ExportButton />
        <ThemeButton />
        <button type="button" className="icon-button" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" onClick={openShortcuts}>
          ?
        </button>
      </div>
    </header>
  );
}

function PauseButton() {
  const [paused, setPaused] = useJobs(useShallow((s) => [s.app?.paused, s.setPaused] as const));
  if (paused === undefined) return null;
  return (
    <button
      type="button"
      className={paused ? 'primary' : ''}
      aria-pressed={paused}
      title={paused ? 'Start claiming jobs again' : 'Stop starting jobs (running ones finish)'}
      onClick={() => void setPaused(!paused)}
    >
      {paused ? 'Resume queue' : 'Pause queue'}
    </button>
  );
}

function ThemeButton() {
  const theme = useTheme();
  const next = nextTheme(theme);
  return (
    <button
      type="button"
      className="icon-button"
      aria-label={`Theme: ${THEME_LABEL[theme]} (switch to ${THEME_LABEL[next]})`}
      title={`Theme: ${THEME_LABEL[theme]}. Click for ${THEME_LABEL[next]}.`}
      onClick={() => setTheme(next)}
    >
      <span aria-hidden="true">{theme === 'dark' ? '☾' : theme === 'light' ? '☀' : '◐'}</span>
    </button>
  );
}
