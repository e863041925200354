/**
 * The window's side of the desktop platform in Electron: the actions go to
 * main by id through the `platform.*` channels (main decides which path they
 * open: main/desktop/open-policy.ts); progress and notifications are main's
 * own (it follows the engine, so a minimised window still updates its
 * taskbar). What main asks back (the menu, a notification's click) arrives as
 * `desktop.command`; the theme, the notification setting and the intake
 * options are mirrored to main, which applies them (natively, and to files
 * that arrive through it) and remembers them for the next start.
 */
import type { Client } from '../../shared/client.js';
import type { DesktopCommand, PlatformActions } from '../../shared/platform.js';
import { openExport } from '../features/export/ExportDialog.js';
import { openShortcuts } from '../features/help/Shortcuts.js';
import { nextTheme, onThemeChange, setTheme, storedTheme } from '../lib/theme.js';
import { navigate } from '../store/route.js';
import type { JobsStore } from '../store/jobs.js';
import { notificationsEnabled, onNotificationsSetting } from './notify-pref.js';

export function electronPlatform(client: Client): PlatformActions {
  return {
    kind: 'electron',
    can: { openFile: true, reveal: true, downloadOriginal: false, taskbar: true },
    openSource: async (id) => void (await client.invoke('platform.openSource', { id })),
    revealSource: async (id) => void (await client.invoke('platform.revealSource', { id })),
    revealExport: async (exportId) => void (await client.invoke('platform.revealExport', { exportId })),
  };
}

function run(cmd: DesktopCommand, store: JobsStore): void {
  switch (cmd.command) {
    case 'open-batch':
      return navigate({ view: 'batches', id: cmd.id });
    case 'export':
      return openExport();
    case 'toggle-theme':
      return setTheme(nextTheme(storedTheme()));
    case 'shortcuts':
      return openShortcuts();
    case 'added':
      if (cmd.rejected > 0)
        store.getState().reportError(`${cmd.rejected.toLocaleString('en')} of the files given could not be added (not found, or not readable).`);
      return;
  }
}

/** Follows main's commands and mirrors the preferences main applies. Returns the unsubscribe. */
export function installElectron(client: Client, store: JobsStore): () => void {
  const report = (err: unknown) => store.getState().reportError(err);
  const mirror = () =>
    client.invoke('platform.prefs', { theme: storedTheme(), notifyBatches: notificationsEnabled(), intake: store.getState().intakeOptions }).catch(report);
  void mirror();
  const offs = [
    client.on('desktop.command', (cmd) => run(cmd, store)),
    onThemeChange(() => void mirror()),
    onNotificationsSetting(() => void mirror()),
    store.subscribe((s, before) => void (s.intakeOptions !== before.intakeOptions && mirror())),
  ];
  return () => offs.forEach((off) => off());
}
