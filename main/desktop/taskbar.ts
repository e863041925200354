/**
 * The running work on the taskbar or dock: what BrowserWindow.setProgressBar
 * and app.setBadgeCount are given. Plain functions (electron-platform.ts
 * applies them).
 */
import type { WorkProgress } from '../../shared/desktop-policy.js';

export interface TaskbarState {
  /** setProgressBar's value: 0..1, or -1 to remove the bar when nothing runs. */
  progress: number;
  /** Windows colours the bar: red once files failed, yellow while the queue is paused. */
  mode: 'normal' | 'error' | 'paused' | 'none';
  /** app.setBadgeCount: the failed files of the running work (0 removes the badge). */
  badge: number;
}

export function taskbarState(p: WorkProgress, paused = false): TaskbarState {
  if (p.fraction === null) return { progress: -1, mode: 'none', badge: 0 };
  // A bar at 0 is invisible on some systems: show a sliver so queued work is seen as started.
  const progress = Math.min(1, Math.max(0.01, p.fraction));
  const mode = paused ? 'paused' : p.failed > 0 ? 'error' : 'normal';
  return { progress, mode, badge: p.failed };
}
