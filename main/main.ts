/**
 * The composition root of the desktop app: the only file that wires Electron
 * to the core. Everything it calls is tested under plain Node; the desktop's
 * rules (what may be opened, the taskbar, argv, the window's place, the menu)
 * are plain functions in main/desktop/.
 */
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import path from 'node:path';
import type { DesktopCommand } from '../shared/platform.js';
import { appPaths, openEngine } from './app-context.js';
import type { Engine } from './core/engine.js';
import { createHandlers, subscribeEvents } from './core/handlers.js';
import { filesFromArgv, secondLaunchFiles } from './desktop/argv.js';
import { DesktopStateFile, desktopStatePath, intakeOptionsOf } from './desktop/desktop-state.js';
import { installMenu } from './desktop/electron-menu.js';
import { ElectronPlatform } from './desktop/electron-platform.js';
import { initialBounds, rememberWindow } from './desktop/electron-window-state.js';
import { followEngine } from './desktop/follow-engine.js';
import { pushEvent, registerIpc } from './ipc.js';
import { registerSchemePrivileges, serveRenderer } from './protocol.js';
import { createMainWindow, hardenSession, preloadPath } from './window.js';
import { utilityLauncher } from './host-launcher.js';

app.enableSandbox();
registerSchemePrivileges();
// A data folder of its own (tests, a second profile) is a separate app: its own lock, window state and page storage.
if (process.env.QUARRY_HOME) app.setPath('userData', path.resolve(process.env.QUARRY_HOME));

let engine: Engine | undefined;
let win: BrowserWindow | undefined;
let platform: ElectronPlatform | undefined;
let state: DesktopStateFile | undefined;
let quitting = false;
/** Files a second launch asked for before the engine was up. */
const early: string[] = [];

if (!app.requestSingleInstanceLock({ argv: process.argv, cwd: process.cwd() })) {
  // Another Quarry runs: it receives this launch's files (second-instance) and comes forward.
  app.quit();
} else {
  app.on('second-instance', (_event, argv, cwd, additional) => {
    platform?.focusWindow();
    addFiles(secondLaunchFiles(argv, cwd, additional, app.isPackaged));
  });
  app
    .whenReady()
    .then(start)
    .catch((err) => {
      dialog.showErrorBox('Quarry could not start', String(err?.message ?? err));
      app.exit(1);
    });
}

const command = (cmd: DesktopCommand) => win && pushEvent(win.webContents, 'desktop.command', cmd);

/** Files from the command line, a second launch or the menu's dialog: queued with the window's intake options, and the window told. */
function addFiles(paths: string[]): void {
  if (!paths.length) return;
  if (!engine) {
    early.push(...paths);
    return;
  }
  engine
    .addPaths(paths, { source: 'app', ...(state ? intakeOptionsOf(state.get()) : {}) })
    .then((r) => command({ command: 'added', added: r.count, rejected: r.rejected.length }))
    .catch((err) => dialog.showErrorBox('Quarry could not add those files', String(err?.message ?? err)));
}

async function pick(kind: 'files' | 'folder'): Promise<void> {
  const r = await dialog.showOpenDialog(win!, {
    title: kind === 'files' ? 'Add files' : 'Add a folder',
    properties: kind === 'files' ? ['openFile', 'multiSelections'] : ['openDirectory', 'multiSelections'],
  });
  if (!r.canceled) addFiles(r.filePaths);
}

async function start(): Promise<void> {
  hardenSession();
  serveRenderer(path.join(__dirname, '..', 'renderer'));
  const paths = appPaths(process.env.QUARRY_HOME ?? app.getPath('userData'));
  state = new DesktopStateFile(desktopStatePath(paths.dataDir));
  engine = openEngine(paths, undefined, utilityLauncher);
  platform = new ElectronPlatform({ engine, window: () => win, exportsDir: paths.exportsDir, state, command });
  const handlers = createHandlers(engine, {
    transport: 'electron',
    version: app.getVersion(),
    dbPath: paths.dbPath,
    exportsDir: paths.exportsDir,
    chooseFolder: async () => {
      const r = await dialog.showOpenDialog(win!, { title: 'Export results to…', properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
    platform,
  });
  registerIpc(ipcMain, handlers);
  installMenu({
    addFiles: () => void pick('files'),
    addFolder: () => void pick('folder'),
    exportResults: () => command({ command: 'export' }),
    toggleTheme: () => command({ command: 'toggle-theme' }),
    showShortcuts: () => command({ command: 'shortcuts' }),
  });
  win = createMainWindow(preloadPath(__dirname), initialBounds(state));
  rememberWindow(win, state);
  subscribeEvents(engine, (event, payload) => win && pushEvent(win.webContents, event, payload));
  const { follower } = followEngine(engine, platform, platform.notifyGate);
  engine.on('switches', () => platform?.showProgress(follower.progress()));
  addFiles([...early.splice(0), ...filesFromArgv(process.argv, { cwd: process.cwd(), packaged: app.isPackaged })]);
}

// Quit cleanly: stop claiming, put running jobs back to pending (not counted
// as attempts), close the pool and the database, then exit.
app.on('before-quit', (event) => {
  if (quitting || !engine) return;
  event.preventDefault();
  quitting = true;
  engine
    .close({ abort: true })
    .catch(() => undefined)
    .finally(() => app.quit());
});

app.on('window-all-closed', () => app.quit());
