import { IntakeOptions } from '../intake/IntakeOptions.js';
import { ThemeSelect } from '../theme/ThemeSelect.js';
import { ConcurrencyField } from './ConcurrencyField.js';
import { NotifyToggle } from './NotifyToggle.js';
import { RemoteWorkersField } from './RemoteWorkersField.js';

/** The engine's switches and the window's preferences. */
export function SettingsView() {
  return (
    <section className="view settings-view" aria-labelledby="settings-title">
      <h2 id="settings-title" className="view-title">
        Settings
      </h2>
      <div className="settings-grid">
        <section className="panel settings-part" aria-labelledby="engine-settings">
          <h3 id="engine-settings">Engine</h3>
          <ConcurrencyField />
        </section>
        <section className="panel settings-part" aria-labelledby="remote-settings">
          <h3 id="remote-settings">Remote workers</h3>
          <RemoteWorkersField />
        </section>
        <section className="panel settings-part" aria-labelledby="intake-settings">
          <h3 id="intake-settings">New files</h3>
          <IntakeOptions />
        </section>
        <section className="panel settings-part" aria-labelledby="window-settings">
          <h3 id="window-settings">Window</h3>
          <ThemeSelect />
          <NotifyToggle />
        </section>
      </div>
    </section>
  );
}
