/**
 * The desktop platform (shared/platform.ts) in Electron main: the thin glue
 * between the policies of this folder and Electron's APIs. The taskbar's
 * progress and badge, a native notification per finished batch, the file
 * manager for a job's original or an export (desktop-actions.ts, given
 * Electron's shell). Which path may be opened is decided by open-policy.ts,
 * never here and never by the window.
 */
import { app, BrowserWindow, Notification, nativeTheme, shell } from 'electron';
import type { BatchNotice, WorkProgress } from '../../shared/desktop-policy.js';
import type { DesktopCommand, DesktopPlatform, DesktopPrefs } from '../../shared/platform.js';
import type { Engine } from '../core/engine.js';
import type { PlatformHost } from '../core/handlers.js';
import { DesktopActions } from './desktop-actions.js';
import type { DesktopStateFile } from './desktop-state.js';
import { taskbarState } from './taskbar.js';

export interface ElectronPlatformDeps {
  engine: Pick<Engine, 'get' | 'isPaused'>;
  window(): BrowserWindow | undefined;
  exportsDir: string;
  state: DesktopStateFile;
  /** Pushes a command to the window (the `desktop.command` event). */
  command(cmd: DesktopCommand): void;
}

export class ElectronPlatform implements DesktopPlatform, PlatformHost {
  readonly kind = 'electron';
  readonly can = { openFile: true, reveal: true, downloadOriginal: false, taskbar: true };
  private readonly actions: DesktopActions;
  /** Shown notifications, held so they are not collected before their click arrives. */
  private readonly shown = new Set<Notification>();

  constructor(private readonly deps: ElectronPlatformDeps) {
    const applyTheme = (prefs: DesktopPrefs) => (nativeTheme.themeSource = prefs.theme);
    this.actions = new DesktopActions(deps.engine, shell, deps.exportsDir, deps.state, applyTheme);
    applyTheme(deps.state.get());
  }

  showProgress(p: WorkProgress): void {
    const t = taskbarState(p, this.deps.engine.isPaused);
    const win = this.deps.window();
    if (win && !win.isDestroyed()) win.setProgressBar(t.progress, { mode: t.mode });
    app.setBadgeCount(t.badge);
  }

  notify(notice: BatchNotice): void {
    const n = new Notification({ title: notice.title, body: notice.body });
    this.shown.add(n);
    n.on('click', () => {
      this.focusWindow();
      this.deps.command({ command: 'open-batch', id: notice.batchId });
    });
    n.on('close', () => this.shown.delete(n));
    n.show();
  }

  /** Whether a notification may be shown now (the follower asks when a batch finishes). */
  notifyGate = () => {
    const win = this.deps.window();
    return { enabled: this.deps.state.get().notifyBatches, permitted: Notification.isSupported(), focused: !!win && !win.isDestroyed() && win.isFocused() };
  };

  openSource = (jobId: string) => this.actions.openSource(jobId);
  revealSource = (jobId: string) => this.actions.revealSource(jobId);
  revealExport = (exportId: string) => this.actions.revealExport(exportId);
  recordExport = (file: string) => this.actions.recordExport(file);
  setPrefs = (change: Partial<DesktopPrefs>) => this.actions.setPrefs(change);

  focusWindow(): void {
    const win = this.deps.window();
    if (!win || win.isDestroyed()) return;
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  }
}
