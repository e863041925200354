/**
 * The native application menu, as data: File (Add files…, Add folder…,
 * Export…, Quit), Edit, View (zoom, full screen, the theme; reload and the
 * developer tools only in development), Window, Help (the shortcuts). The
 * usual accelerators come from Electron's roles; ours use CmdOrCtrl so they
 * read right on every system. Menu.buildFromTemplate takes it as it is
 * (electron-menu.ts); tests read it as plain objects.
 */
export interface MenuActions {
  addFiles(): void;
  addFolder(): void;
  exportResults(): void;
  toggleTheme(): void;
  showShortcuts(): void;
}

/** The part of Electron's MenuItemConstructorOptions this menu uses. */
export interface MenuItem {
  label?: string;
  role?: string;
  type?: 'separator' | 'submenu' | 'normal';
  accelerator?: string;
  click?: () => void;
  submenu?: MenuItem[];
}

export interface MenuContext {
  /** macOS puts the app's own menu first and Quit in it. */
  mac: boolean;
  /** Development: reload and the developer tools are offered. */
  dev: boolean;
  appName: string;
}

const separator: MenuItem = { type: 'separator' };

export function menuTemplate(ctx: MenuContext, act: MenuActions): MenuItem[] {
  const file: MenuItem = {
    label: '&File',
    submenu: [
      { label: 'Add Files…', accelerator: 'CmdOrCtrl+O', click: act.addFiles },
      { label: 'Add Folder…', accelerator: 'CmdOrCtrl+Shift+O', click: act.addFolder },
      separator,
      { label: 'Export…', accelerator: 'CmdOrCtrl+E', click: act.exportResults },
      separator,
      ctx.mac ? { role: 'close' } : { role: 'quit', label: 'Quit', accelerator: 'CmdOrCtrl+Q' },
    ],
  };
  const edit: MenuItem = {
    label: '&Edit',
    submenu: [{ role: 'undo' }, { role: 'redo' }, separator, { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' }],
  };
  const view: MenuItem = {
    label: '&View',
    submenu: [
      ...(ctx.dev ? [{ role: 'reload' }, { role: 'forceReload' }, { role: 'toggleDevTools' }, separator] : []),
      { role: 'resetZoom' },
      { role: 'zoomIn' },
      { role: 'zoomOut' },
      separator,
      { role: 'togglefullscreen' },
      { label: 'Toggle Theme', accelerator: 'CmdOrCtrl+Shift+T', click: act.toggleTheme },
    ],
  };
  const window: MenuItem = { role: 'windowMenu' };
  const help: MenuItem = {
    role: 'help',
    submenu: [{ label: 'Keyboard Shortcuts', accelerator: 'F1', click: act.showShortcuts }],
  };
  const appMenu: MenuItem = {
    label: ctx.appName,
    submenu: [{ role: 'about' }, separator, { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, separator, { role: 'quit' }],
  };
  return [...(ctx.mac ? [appMenu] : []), file, edit, view, window, help];
}
