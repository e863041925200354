/** Installs the native menu (menu.ts) as the application's. */
import { app, Menu } from 'electron';
import { menuTemplate, type MenuActions } from './menu.js';

export function installMenu(actions: MenuActions): void {
  const template = menuTemplate({ mac: process.platform === 'darwin', dev: !app.isPackaged, appName: app.getName() }, actions);
  Menu.setApplicationMenu(Menu.buildFromTemplate(template as Electron.MenuItemConstructorOptions[]));
}
