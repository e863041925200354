/**
 * Remembers the window's size and position (window-bounds.ts decides where it
 * may reopen): saved a moment after each move or resize and when it closes,
 * the normal bounds when maximised, nothing while minimised or full screen.
 */
import { screen, type BrowserWindow } from 'electron';
import type { DesktopStateFile } from './desktop-state.js';
import { restoreBounds, type Rect } from './window-bounds.js';

/** Where the window opens: its last place, pulled onto a display if that is gone. */
export function initialBounds(state: DesktopStateFile): { bounds: Rect; maximized: boolean } {
  const primary = screen.getPrimaryDisplay();
  const areas = [primary, ...screen.getAllDisplays().filter((d) => d.id !== primary.id)].map((d) => d.workArea);
  const saved = state.get().window;
  return { bounds: restoreBounds(saved?.bounds, areas), maximized: saved?.maximized ?? false };
}

export function rememberWindow(win: BrowserWindow, state: DesktopStateFile): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const save = () => {
    clearTimeout(timer);
    timer = undefined;
    if (win.isDestroyed() || win.isMinimized() || win.isFullScreen()) return;
    const maximized = win.isMaximized();
    state.update({ window: { bounds: maximized ? win.getNormalBounds() : win.getBounds(), maximized } });
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  for (const event of ['resize', 'move', 'maximize', 'unmaximize'] as const) win.on(event as 'resize', later);
  win.on('close', save);
}
