/**
 * The main window, hardened: isolated and sandboxed renderer, no Node, no
 * navigation, no new windows, no permissions, no webviews.
 */
import { BrowserWindow, session, shell } from 'electron';
import path from 'node:path';
import { DEFAULT_SIZE, MIN_SIZE, type Rect } from './desktop/window-bounds.js';
import { APP_URL, isAllowedExternalUrl, isAllowedNavigation } from './ipc-policy.js';

export function hardenSession(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
}

/** `place`: where it opens (main/desktop/electron-window-state.ts: last time's place, kept on a screen). */
export function createMainWindow(preload: string, place?: { bounds: Rect; maximized: boolean }): BrowserWindow {
  const win = new BrowserWindow({
    ...(place?.bounds ?? DEFAULT_SIZE),
    minWidth: MIN_SIZE.width,
    minHeight: MIN_SIZE.height,
    title: 'Quarry',
    show: false,
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  });
  win.webContents.setWindowOpenHandler(({ url }) => {
    // Allowed external links go to the system browser, never into our window; the rest nowhere.
    if (isAllowedExternalUrl(url)) void shell.openExternal(url);
    return { action: 'deny' };
  });
  win.webContents.on('will-navigate', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());
  // A file dropped outside the drop zone must not navigate the window to it.
  win.webContents.on('will-redirect', (event, url) => {
    if (!isAllowedNavigation(url)) event.preventDefault();
  });
  win.once('ready-to-show', () => {
    if (place?.maximized) win.maximize();
    win.show();
  });
  void win.loadURL(APP_URL);
  return win;
}

export const preloadPath = (dir: string) => path.join(dir, 'preload.cjs');
