/**
 * The composition root of the desktop app: the only file that wires Electron
 * to the core. Everything it calls is tested under plain Node.
 */
import { app, BrowserWindow, dialog, ipcMain } from 'electron';
import path from 'node:path';
import { appPaths, openEngine } from './app-context.js';
import type { Engine } from './core/engine.js';
import { createHandlers, subscribeEvents } from './core/handlers.js';
import { pushEvent, registerIpc } from './ipc.js';
import { registerSchemePrivileges, serveRenderer } from './protocol.js';
import { createMainWindow, hardenSession, preloadPath } from './window.js';
import { utilityLauncher } from './host-launcher.js';

app.enableSandbox();
registerSchemePrivileges();

let engine: Engine | undefined;
let win: BrowserWindow | undefined;
let quitting = false;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (win?.isMinimized()) win.restore();
    win?.focus();
  });
  app
    .whenReady()
    .then(start)
    .catch((err) => {
      dialog.showErrorBox('Quarry could not start', String(err?.message ?? err));
      app.exit(1);
    });
}

async function start(): Promise<void> {
  hardenSession();
  serveRenderer(path.join(__dirname, '..', 'renderer'));
  const paths = appPaths(process.env.QUARRY_HOME ?? app.getPath('userData'));
  engine = openEngine(paths, undefined, utilityLauncher);
  const handlers = createHandlers(engine, {
    transport: 'electron',
    version: app.getVersion(),
    dbPath: paths.dbPath,
    exportsDir: paths.exportsDir,
    chooseFolder: async () => {
      const r = await dialog.showOpenDialog(win!, { title: 'Export results to…', properties: ['openDirectory', 'createDirectory'] });
      return r.canceled ? null : (r.filePaths[0] ?? null);
    },
  });
  registerIpc(ipcMain, handlers);
  win = createMainWindow(preloadPath(__dirname));
  subscribeEvents(engine, (event, payload) => win && pushEvent(win.webContents, event, payload));
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
