/**
 * The desktop integration of the browser version: the tab's title carries
 * the progress and the failed count ("(42%) Quarry"), and a finished batch
 * raises one notification (the Notification API, when the person allowed it
 * and the tab is not in front); clicking it brings the tab forward on that
 * batch. The rules are desktop-policy.ts'; this file only applies them.
 */
import type { Job } from '../../shared/job.js';
import { finishedBatchNotice, progressTitle, shouldNotify, workProgress, type BatchNotice } from '../lib/desktop-policy.js';
import { readPref, writePref } from '../lib/prefs.js';
import { navigate } from '../store/route.js';
import type { JobsStore } from '../store/jobs.js';

const NOTIFY_PREF = 'notifyBatches';

/** Whether finished batches raise a notification (a setting; on unless turned off). */
export function notificationsEnabled(): boolean {
  return readPref(NOTIFY_PREF) !== false;
}

/** Turns notifications on or off; turning them on asks the browser's permission once. */
export function setNotificationsEnabled(on: boolean): void {
  writePref(NOTIFY_PREF, on);
  if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
}

function permitted(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

function show(notice: BatchNotice): void {
  const n = new Notification(notice.title, { body: notice.body, tag: `batch-${notice.batchId}` });
  n.onclick = () => {
    window.focus();
    navigate({ view: 'batches', id: notice.batchId });
    n.close();
  };
}

/** Follows the store's batches: the title on every change, a notification per batch that finishes. Returns the unsubscribe. */
export function installBrowserDesktop(store: JobsStore, name = document.title || 'Quarry'): () => void {
  let seen: Record<string, Job> = store.getState().batchView.jobs;
  const apply = () => {
    const batches = store.getState().batchView.jobs;
    const title = progressTitle(workProgress(Object.values(batches)), name);
    if (document.title !== title) document.title = title;
    if (batches === seen) return;
    for (const batch of Object.values(batches)) {
      const notice = finishedBatchNotice(seen[batch.id], batch);
      if (notice && shouldNotify({ enabled: notificationsEnabled(), permitted: permitted(), focused: document.hasFocus() })) show(notice);
    }
    seen = batches;
  };
  apply();
  return store.subscribe(apply);
}
