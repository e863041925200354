/**
 * The opened job's detail (issue 13): the job with its history (`jobs.get`),
 * the summary of its result (`results.get` part "summary"), kept in step
 * with pushed events, and the parts the tabs read on demand. The route
 * (route.ts) says which job is open; the detail pane asks this slice to
 * follow it. The tabs keep the slices of text they read in their own state:
 * only what is on screen is ever held.
 */
import type { Output } from '../../shared/contract.js';
import type { Job, JobEvent } from '../../shared/job.js';
import type { ResultPartQuery, ResultPartValue } from '../../shared/result-parts.js';
import { message } from './errors.js';
import type { EventBatch } from './event-batch.js';
import type { SliceKit } from './slice.js';

export type ResultSummaryPart = Extract<ResultPartValue, { part: 'summary' }>;

export interface DetailInfo {
  id: string;
  job: Job | null;
  events: JobEvent[];
  /** The stored result's summary; null while loading, for a job without a result, or when it could not be read. */
  summary: ResultSummaryPart | null;
  loading: boolean;
  /** Why the job could not be shown (deleted, unknown id). */
  error: string | null;
  /** The job was deleted while open. */
  removed: boolean;
  /** The files inside it (a batch, an archive, an e-mail's attachments), newest first, at most CHILDREN_SHOWN. */
  children: Job[];
  /** More files are inside than `children` holds. */
  moreChildren: boolean;
}

/** Files of a container the detail lists. */
export const CHILDREN_SHOWN = 200;

export interface DetailState {
  detail: DetailInfo | null;
}

export interface DetailActions {
  /** Follows the route: loads the job `id` (null: nothing open). Re-opening the open job keeps what is shown. */
  openDetail(id: string | null): void;
  /** Reads one part of the open job's result; the caller keeps it. */
  readPart<P extends ResultPartQuery['part']>(q: ResultPartQuery & { part: P }): Promise<Extract<ResultPartValue, { part: P }>>;
  /** Runs a finished job again (the list's actions cover retry, cancel and delete). */
  rerunJob(id: string): Promise<void>;
}

/** A job with a stored result worth asking for. */
export function hasResult(job: Pick<Job, 'status' | 'resultSummary'>): boolean {
  return (job.status === 'completed' || job.status === 'partial') && job.resultSummary !== null;
}

export interface DetailSlice {
  slice: DetailState & DetailActions;
  /** One frame of events: the open job's new version (its history and summary are reloaded when its status moved). */
  fold(s: DetailState, frame: EventBatch): Partial<DetailState>;
}

/** A container's files with this frame's changes: new versions replace old ones, removed ones go. Same array when nothing changed. */
function foldChildren(children: Job[], frame: EventBatch): Job[] {
  if (children.length === 0) return children;
  let changed = false;
  const out: Job[] = [];
  for (const c of children) {
    const next = frame.jobs.get(c.id);
    if (next === null) changed = true;
    else if (next) {
      out.push(next);
      changed = true;
    } else out.push(c);
  }
  return changed ? out : children;
}

export function createDetailSlice({ client, set, get, reportError }: SliceKit<DetailState & DetailActions>): DetailSlice {
  /** Bumped on each open, so a late answer for a job no longer shown is dropped. */
  let token = 0;

  const load = async (id: string, keep: boolean) => {
    const mine = ++token;
    if (!keep) set({ detail: { id, job: null, events: [], summary: null, loading: true, error: null, removed: false, children: [], moreChildren: false } });
    let got: Output<'jobs.get'>;
    try {
      got = await client.invoke('jobs.get', { id });
    } catch (err) {
      if (mine === token) set((s) => (s.detail ? { detail: { ...s.detail, loading: false, error: message(err) } } : {}));
      return;
    }
    const [summary, children] = await Promise.all([readSummary(got.job), readChildren(got.job)]);
    if (mine !== token) return;
    set({
      detail: {
        id,
        job: got.job,
        events: got.events,
        summary,
        loading: false,
        error: null,
        removed: false,
        children: children.slice(0, CHILDREN_SHOWN),
        moreChildren: children.length > CHILDREN_SHOWN,
      },
    });
  };

  const readSummary = async (job: Job): Promise<ResultSummaryPart | null> => {
    if (!hasResult(job)) return null;
    try {
      const part = await client.invoke('results.get', { id: job.id, part: 'summary' });
      return part.part === 'summary' ? part : null;
    } catch {
      return null; // shown as a job without a readable result; the tabs say why when asked
    }
  };

  const readChildren = async (job: Job): Promise<Job[]> => {
    try {
      return await client.invoke('jobs.list', { parentId: job.id, limit: CHILDREN_SHOWN + 1 });
    } catch {
      return [];
    }
  };

  /** Reloads history and summary once per burst of status changes. */
  let reloadTimer: ReturnType<typeof setTimeout> | undefined;
  const reloadSoon = (id: string) => {
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => {
      if (get().detail?.id === id) void load(id, true);
    }, 150);
  };

  return {
    slice: {
      detail: null,

      openDetail(id) {
        const open = get().detail;
        if (id === null) {
          token++;
          if (open) set({ detail: null });
          return;
        }
        if (open && (open.id === id || open.job?.id === id) && !open.error) return;
        void load(id, false);
      },

      async readPart(q) {
        return (await client.invoke('results.get', q)) as never;
      },

      async rerunJob(id) {
        try {
          const res = await client.invoke('jobs.rerun', { ids: [id] });
          if (res.errors.length) reportError(res.errors.map((e) => e.message).join('; '));
        } catch (err) {
          reportError(err);
        }
      },
    },

    fold(s, frame) {
      const open = s.detail;
      if (!open?.job) return {};
      const id = open.job.id;
      if (frame.jobs.get(id) === null) return { detail: { ...open, removed: true } };
      const children = foldChildren(open.children, frame);
      const hint = frame.hints.get(id);
      const changed = frame.jobs.get(id) ?? (hint && hint.updatedAt > open.job.updatedAt ? hint : undefined);
      const progress = frame.progress.get(id);
      if (!changed && !progress && children === open.children) return {};
      const job = changed ?? (progress ? { ...open.job, ...progress } : open.job);
      if (changed && (changed.status !== open.job.status || changed.retryCount !== open.job.retryCount)) reloadSoon(open.id);
      return { detail: { ...open, job, children } };
    },
  };
}
