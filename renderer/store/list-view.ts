/**
 * What the jobs list shows (filter and sort), as the URL and localStorage
 * keep it, and the few pure questions the table asks of a pushed job: does
 * it belong under this filter, did its place in this sort move.
 *
 * In the URL (renderer/store/route.ts), beside the place:
 *   #/jobs?status=failed,cancelled&format=pdf&batch=<id>&q=invoice&from=2026-01-01&to=2026-02-01&sort=duration&dir=asc
 * Any list parameter in the URL wins; a URL without one (a restart, the
 * detail's own route) shows the list as it was last left (localStorage).
 * Another part of the window sets the list's status filter with
 * `navigate({ view: 'jobs', params: listParams({ ...view, filter: { status: ['failed'] } }) })`
 * or, from the store, `setFilter('failed')`.
 */
import { FORMATS, type Format } from '../../shared/extraction.js';
import { JOB_STATUSES, type Job, type JobStatus } from '../../shared/job.js';
import { DEFAULT_SORT, LIST_SORT_KEYS, type ListFilter, type ListSort, type ListSortKey } from '../../shared/list-query.js';
import { readPref, writePref } from '../lib/prefs.js';
import { currentRoute } from './route.js';

export interface ListView {
  filter: ListFilter;
  sort: ListSort;
}

export const DEFAULT_VIEW: ListView = { filter: {}, sort: DEFAULT_SORT };

/** The URL parameters the list owns. */
export const LIST_PARAMS = ['status', 'format', 'batch', 'q', 'from', 'to', 'sort', 'dir'] as const;

const DAY_MS = 86_400_000;

/** "2026-01-31" (local midnight) <-> ms: what a date input gives and shows. */
export function dayToMs(day: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const t = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3])).getTime();
  return Number.isFinite(t) ? t : undefined;
}

export function msToDay(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

function listOf<T extends string>(raw: string | undefined, allowed: readonly T[]): T[] | undefined {
  const values = (raw ?? '').split(',').filter((v): v is T => (allowed as readonly string[]).includes(v));
  return values.length ? [...new Set(values)] : undefined;
}

export function hasListParams(params: Record<string, string>): boolean {
  return LIST_PARAMS.some((k) => params[k] !== undefined && params[k] !== '');
}

/** Reads the list's parameters; anything malformed is ignored, never an error. */
export function viewFromParams(params: Record<string, string>): ListView {
  const filter: ListFilter = {};
  const status = listOf<JobStatus>(params.status, JOB_STATUSES);
  if (status) filter.status = status;
  const format = listOf<Format>(params.format, FORMATS);
  if (format) filter.format = format;
  if (params.batch && params.batch.length <= 64) filter.batch = params.batch;
  const text = params.q?.trim().slice(0, 200);
  if (text) filter.text = text;
  const from = params.from ? dayToMs(params.from) : undefined;
  if (from !== undefined) filter.createdFrom = from;
  // "to" is inclusive for a person: up to the end of that day.
  const to = params.to ? dayToMs(params.to) : undefined;
  if (to !== undefined) filter.createdTo = to + DAY_MS;
  const key = (LIST_SORT_KEYS as readonly string[]).includes(params.sort ?? '') ? (params.sort as ListSortKey) : DEFAULT_SORT.key;
  const dir = params.dir === 'asc' || params.dir === 'desc' ? params.dir : key === DEFAULT_SORT.key ? DEFAULT_SORT.dir : 'asc';
  return { filter, sort: { key, dir } };
}

export function listParams(v: ListView): Record<string, string> {
  const p: Record<string, string> = {};
  const f = v.filter;
  if (f.status) p.status = f.status.join(',');
  if (f.format) p.format = f.format.join(',');
  if (f.batch) p.batch = f.batch;
  if (f.text) p.q = f.text;
  if (f.createdFrom !== undefined) p.from = msToDay(f.createdFrom);
  if (f.createdTo !== undefined) p.to = msToDay(f.createdTo - DAY_MS);
  if (v.sort.key !== DEFAULT_SORT.key || v.sort.dir !== DEFAULT_SORT.dir) {
    p.sort = v.sort.key;
    p.dir = v.sort.dir;
  }
  return p;
}

/** A stable key for a view: equal views, equal keys (the scroll position is kept per key). */
export function viewKey(v: ListView): string {
  return new URLSearchParams(Object.entries(listParams(v)).sort(([a], [b]) => a.localeCompare(b))).toString();
}

export function sameView(a: ListView, b: ListView): boolean {
  return viewKey(a) === viewKey(b);
}

/** Whether a job belongs under a filter: what the engine's query decides, for a pushed job. */
export function inFilter(f: ListFilter, job: Job): boolean {
  if (job.kind === 'batch') return false;
  if (f.status && !f.status.includes(job.status)) return false;
  if (f.format && (job.format === null || !f.format.includes(job.format))) return false;
  if (f.batch && job.parentId !== f.batch) return false;
  if (f.createdFrom !== undefined && job.createdAt < f.createdFrom) return false;
  if (f.createdTo !== undefined && job.createdAt >= f.createdTo) return false;
  if (f.text) {
    const t = f.text.toLowerCase();
    const hit = (s: string | null) => s !== null && s.toLowerCase().includes(t);
    if (!hit(job.fileName) && !hit(job.errorMessage) && !job.id.startsWith(t)) return false;
  }
  return true;
}

/** The value a job is sorted by: a change of it moves the job in the list. */
export function sortValue(key: ListSortKey, job: Job): string | number | null {
  switch (key) {
    case 'name':
      return job.fileName?.toLowerCase() ?? null;
    case 'format':
      return job.format;
    case 'status':
      return job.status;
    case 'size':
      return job.sizeBytes;
    case 'duration':
      return job.completedAt !== null && job.startedAt !== null ? job.completedAt - job.startedAt : null;
    case 'created':
      return job.seq;
    case 'finished':
      return job.completedAt;
  }
}

/** The pref (renderer/lib/prefs.ts) holding the view last left and its scroll place. */
const PREF_KEY = 'list';

interface Saved {
  params: Record<string, string>;
  /** The first row in view, per view key: the place survives a reload. */
  scroll: { key: string; row: number } | null;
}

/** What was saved, checked: an old or hand-edited value reads as nothing saved. */
function readSaved(): Saved {
  const raw = readPref(PREF_KEY) as Partial<Saved> | null | undefined;
  const params = raw?.params && typeof raw.params === 'object' ? raw.params : {};
  const s = raw?.scroll;
  const scroll = s && typeof s.key === 'string' && Number.isInteger(s.row) && s.row >= 0 ? s : null;
  return { params, scroll };
}

/** The view last left, for a URL without list parameters. */
export function savedView(): ListView {
  return viewFromParams(readSaved().params);
}

/** The view the window opens on: the URL's list parameters, or the view last left. */
export function initialListView(): ListView {
  const { params } = currentRoute();
  return hasListParams(params) ? viewFromParams(params) : savedView();
}

export function saveView(v: ListView): void {
  const s = readSaved();
  writePref(PREF_KEY, { ...s, params: listParams(v) });
}

export function savedScrollRow(v: ListView): number {
  const s = readSaved().scroll;
  return s && s.key === viewKey(v) ? s.row : 0;
}

export function saveScrollRow(v: ListView, row: number): void {
  const s = readSaved();
  const key = viewKey(v);
  if (s.scroll?.key === key && s.scroll.row === row) return;
  writePref(PREF_KEY, { ...s, scroll: { key, row } });
}
