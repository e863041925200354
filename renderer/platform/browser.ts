/**
 * The desktop platform (shared/platform.ts) of the browser version: the tab's
 * title carries the progress and the failed count ("(42%) Quarry"); a
 * finished batch raises one notification (the Notification API, when the
 * person allowed it and the tab is not in front), whose click brings the tab
 * forward on that batch; "open the original" downloads it from the bridge
 * (the file is on the server's disk, which a browser cannot show in a
 * folder). The rules are shared/desktop-policy.ts'; this file applies them.
 */
import { BRIDGE_ROUTES, ContractError, wireErrorSchema } from '../../shared/contract.js';
import { progressTitle, WorkFollower, type BatchNotice, type WorkProgress } from '../../shared/desktop-policy.js';
import type { Job } from '../../shared/job.js';
import type { DesktopPlatform } from '../../shared/platform.js';
import { navigate } from '../store/route.js';
import type { JobsStore } from '../store/jobs.js';
import { notificationsEnabled, onNotificationsSetting } from './notify-pref.js';

function permitted(): boolean {
  return typeof Notification !== 'undefined' && Notification.permission === 'granted';
}

/** The bridge's refusal as a readable error (a download link alone would fail silently in the downloads bar). */
async function refusal(res: Response): Promise<ContractError> {
  const body = await res.json().catch(() => undefined);
  const wire = wireErrorSchema.safeParse(body);
  if (wire.success) return new ContractError(wire.data.kind, wire.data.message);
  return new ContractError(res.status === 404 ? 'not_found' : 'internal', `The bridge answered ${res.status} for the original file.`);
}

const noReveal = () =>
  Promise.reject(new ContractError('invalid_state', 'The browser version cannot show files in their folder: download the original instead.'));

export function browserPlatform(name = document.title || 'Quarry'): DesktopPlatform {
  return {
    kind: 'browser',
    can: { openFile: false, reveal: false, downloadOriginal: true, taskbar: false },

    showProgress(p: WorkProgress) {
      const title = progressTitle(p, name);
      if (document.title !== title) document.title = title;
    },

    notify(notice: BatchNotice) {
      const n = new Notification(notice.title, { body: notice.body, tag: `batch-${notice.batchId}` });
      n.onclick = () => {
        window.focus();
        navigate({ view: 'batches', id: notice.batchId });
        n.close();
      };
    },

    async openSource(jobId) {
      const url = BRIDGE_ROUTES.original + encodeURIComponent(jobId);
      // Asked first, so a moved or deleted original is said in the window.
      const head = await fetch(url, { method: 'HEAD', credentials: 'same-origin' });
      if (!head.ok) throw await refusal(await fetch(url, { credentials: 'same-origin' }));
      // A link lets the browser stream the file to disk under the name the bridge gives it.
      const a = document.createElement('a');
      a.href = url;
      a.download = '';
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
    },
    revealSource: noReveal,
    revealExport: noReveal,
  };
}

/**
 * The title's work runs at most this often: the store changes every frame
 * while files run, and a title (or a notification a quarter second late)
 * needs no more.
 */
export const FOLLOW_MS = 250;

/** Feeds the platform from the store's batches: the title as they change (at most every FOLLOW_MS), a notification per batch that finishes. Returns the unsubscribe. */
export function followStore(store: JobsStore, platform: DesktopPlatform, intervalMs = FOLLOW_MS): () => void {
  const follower = new WorkFollower(platform, () => ({ enabled: notificationsEnabled(), permitted: permitted(), focused: document.hasFocus() }));
  let seen: Record<string, Job> = {};
  let timer: ReturnType<typeof setTimeout> | undefined;
  const apply = () => {
    timer = undefined;
    const batches = store.getState().batchView.jobs;
    if (batches === seen) return;
    const changed = Object.entries(batches).flatMap(([id, batch]) => (seen[id] !== batch ? [batch] : []));
    const removed = Object.keys(seen).filter((id) => !(id in batches));
    follower.updateMany(changed, removed);
    seen = batches;
  };
  apply();
  platform.showProgress(follower.progress());
  // Only a change of the batches' view schedules the work; other store changes cost one comparison.
  const unsubscribe = store.subscribe((s) => {
    if (s.batchView.jobs !== seen && timer === undefined) timer = setTimeout(apply, intervalMs);
  });
  // Turning notifications on asks the browser's permission once.
  const offSetting = onNotificationsSetting((on) => {
    if (on && typeof Notification !== 'undefined' && Notification.permission === 'default') void Notification.requestPermission();
  });
  return () => {
    clearTimeout(timer);
    unsubscribe();
    offSetting();
  };
}
