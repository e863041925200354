/**
 * The list's filters: status, format, text (name, id or error), a date
 * range; and its sort control. Every change sets the store's view, which the
 * URL and localStorage follow (useListUrl.ts).
 */
import { useEffect, useRef, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { JOB_STATUSES, type JobStatus } from '../../../shared/job.js';
import { LIST_SORT_KEYS, type ListFilter, type ListSortKey } from '../../../shared/list-query.js';
import type { Format } from '../../../shared/extraction.js';
import { STATUS_LABEL } from '../../lib/job-view.js';
import { useJobs } from '../../store/context.js';
import { DEFAULT_VIEW, dayToMs, msToDay } from '../../store/list-view.js';

export const SORT_LABEL: Record<ListSortKey, string> = {
  name: 'Name',
  format: 'Format',
  status: 'Status',
  size: 'Size',
  duration: 'Duration',
  created: 'Added',
  finished: 'Finished',
};

const DAY_MS = 86_400_000;
/** Typing settles for this long before the list is asked again. */
const TYPING_MS = 250;

export function ListFilters() {
  const [view, setView, byFormat] = useJobs(useShallow((s) => [s.view, s.setView, s.stats?.byFormat] as const));
  const f = view.filter;
  const put = (patch: Partial<ListFilter>) => {
    const next: ListFilter = { ...f, ...patch };
    for (const k of Object.keys(next) as Array<keyof ListFilter>) if (next[k] === undefined) delete next[k];
    setView({ ...view, filter: next });
  };
  const formats = Object.keys(byFormat ?? {})
    .filter((k) => k !== 'unknown')
    .sort();
  const status = f.status?.length === 1 ? f.status[0]! : f.status ? f.status.join(',') : 'all';
  const format = f.format?.length === 1 ? f.format[0]! : 'all';
  const filtered = Object.keys(f).length > 0;

  return (
    <div className="list-filters" role="search" aria-label="Filter and sort jobs">
      <label className="filter">
        <span>Status</span>
        <select
          aria-label="Status filter"
          value={status}
          onChange={(e) => put({ status: e.target.value === 'all' ? undefined : [e.target.value as JobStatus] })}
        >
          <option value="all">All</option>
          {f.status && f.status.length > 1 && <option value={status}>{f.status.map((st) => STATUS_LABEL[st]).join(' or ')}</option>}
          {JOB_STATUSES.map((st) => (
            <option key={st} value={st}>
              {STATUS_LABEL[st]}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span>Format</span>
        <select aria-label="Format filter" value={format} onChange={(e) => put({ format: e.target.value === 'all' ? undefined : [e.target.value as Format] })}>
          <option value="all">All</option>
          {[...new Set([...formats, ...(f.format ?? [])])].map((fm) => (
            <option key={fm} value={fm}>
              {fm.toUpperCase()}
            </option>
          ))}
        </select>
      </label>
      <TextFilter value={f.text ?? ''} onChange={(text) => put({ text: text || undefined })} />
      <label className="filter">
        <span>Added</span>
        <input
          type="date"
          aria-label="Added from"
          value={f.createdFrom === undefined ? '' : msToDay(f.createdFrom)}
          onChange={(e) => put({ createdFrom: dayToMs(e.target.value) })}
        />
      </label>
      <label className="filter">
        <span aria-hidden="true">–</span>
        <input
          type="date"
          aria-label="Added until"
          value={f.createdTo === undefined ? '' : msToDay(f.createdTo - DAY_MS)}
          onChange={(e) => {
            const day = dayToMs(e.target.value);
            put({ createdTo: day === undefined ? undefined : day + DAY_MS });
          }}
        />
      </label>
      <button type="button" className="small" disabled={!filtered} onClick={() => setView({ ...DEFAULT_VIEW, sort: view.sort })}>
        Clear filters
      </button>
    </div>
  );
}

/** The text box keeps what is typed; the list follows once typing settles. */
function TextFilter({ value, onChange }: { value: string; onChange(text: string): void }) {
  const [text, setText] = useState(value);
  // The latest callback, without restarting the wait on every render (events re-render often).
  const changed = useRef(onChange);
  changed.current = onChange;
  useEffect(() => setText(value), [value]);
  useEffect(() => {
    if (text.trim() === value) return;
    const t = setTimeout(() => changed.current(text.trim()), TYPING_MS);
    return () => clearTimeout(t);
  }, [text, value]);
  return (
    <label className="filter text-filter">
      <span className="visually-hidden">Find jobs</span>
      <input
        type="search"
        aria-label="Find jobs by name, id or error"
        placeholder="Name, id or error…"
        value={text}
        maxLength={200}
        onChange={(e) => setText(e.target.value)}
      />
    </label>
  );
}

/** The sort key and direction (the column headers sort too). */
export function SortControl() {
  const [view, setView] = useJobs(useShallow((s) => [s.view, s.setView] as const));
  const { key, dir } = view.sort;
  return (
    <div className="sort-control" role="group" aria-label="Sort">
      <label className="filter">
        <span>Sort</span>
        <select aria-label="Sort by" value={key} onChange={(e) => setView({ ...view, sort: { key: e.target.value as ListSortKey, dir } })}>
          {LIST_SORT_KEYS.map((k) => (
            <option key={k} value={k}>
              {SORT_LABEL[k]}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="small"
        aria-label={dir === 'asc' ? 'Ascending: switch to descending' : 'Descending: switch to ascending'}
        onClick={() => setView({ ...view, sort: { key, dir: dir === 'asc' ? 'desc' : 'asc' } })}
      >
        {dir === 'asc' ? '↑ Asc' : '↓ Desc'}
      </button>
    </div>
  );
}
