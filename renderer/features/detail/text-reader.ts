/**
 * Reading a job's text a piece at a time, so a 500 MB spooled text never
 * reaches the page whole: the plain text in slices of characters (the next
 * one asked for as the reader nears the end, the oldest dropped past a
 * bound), or, for a result with pages, a window of pages that moves to the
 * page a person picks.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useJobs } from '../../store/context.js';
import { message } from '../../store/errors.js';

/** Characters per request. */
export const SLICE_CHARS = 100_000;
/** Slices kept on screen; reading further drops the oldest. */
export const MAX_SLICES = 30;
/** Pages per request. */
export const PAGE_BATCH = 5;
/** Pages kept on screen. */
export const MAX_PAGES = 60;

export interface Segment {
  key: string;
  text: string;
  /** The page's number, for a page. */
  page?: number;
}

export interface Reader {
  segments: Segment[];
  loading: boolean;
  error: string | null;
  /** More follows the last segment. */
  more: boolean;
  /** Characters (slices) or pages before the first segment that are not shown. */
  hiddenBefore: number;
  /** Loads the next piece; resolves with its text ('' when nothing came). */
  loadNext(): Promise<string>;
  loadPrevious(): Promise<void>;
}

interface SliceState {
  slices: Segment[];
  /** Offset of the first kept slice, and the end of the last. */
  start: number;
  end: number;
  total: number;
  done: boolean;
  loading: boolean;
  error: string | null;
}

/** The text in slices from its start. */
export function useTextSlices(id: string, enabled: boolean): Reader & { total: number; shownChars: number } {
  const readPart = useJobs((s) => s.readPart);
  const [st, setSt] = useState<SliceState>({ slices: [], start: 0, end: 0, total: 0, done: false, loading: false, error: null });
  const state = useRef(st);
  state.current = st;
  const busy = useRef(false);

  const loadAt = useCallback(
    async (offset: number, reset: boolean): Promise<string> => {
      if (busy.current) return '';
      busy.current = true;
      setSt((s) => ({ ...s, loading: true, error: null }));
      try {
        const got = await readPart({ id, part: 'text', offset, limit: SLICE_CHARS });
        const seg: Segment = { key: `t${offset}`, text: got.text };
        setSt((s) => {
          const slices = reset ? [seg] : [...s.slices, seg];
          const drop = Math.max(0, slices.length - MAX_SLICES);
          const kept = slices.slice(drop);
          const start = reset ? offset : s.start + slices.slice(0, drop).reduce((n, x) => n + x.text.length, 0);
          return { slices: kept, start, end: offset + got.text.length, total: got.total, done: got.done, loading: false, error: null };
        });
        return got.text;
      } catch (err) {
        setSt((s) => ({ ...s, loading: false, error: message(err) }));
        return '';
      } finally {
        busy.current = false;
      }
    },
    [id, readPart],
  );

  useEffect(() => {
    if (enabled) void loadAt(0, true);
  }, [enabled, loadAt]);

  return {
    segments: st.slices,
    loading: st.loading,
    error: st.error,
    more: !st.done,
    hiddenBefore: st.start,
    total: st.total,
    shownChars: st.end - st.start,
    loadNext: () => (state.current.done ? Promise.resolve('') : loadAt(state.current.end, false)),
    loadPrevious: async () => {
      await loadAt(0, true);
    },
  };
}

interface PageState {
  pages: Segment[];
  /** Index (0-based) of the first page kept. */
  start: number;
  total: number;
  loading: boolean;
  error: string | null;
}

/** A window of pages; `jump` moves it to start at a page. */
export function usePageWindow(id: string, firstPage: number): Reader & { total: number; jump(page: number): Promise<void>; ready: boolean } {
  const readPart = useJobs((s) => s.readPart);
  const [st, setSt] = useState<PageState & { ready: boolean }>({ pages: [], start: 0, total: 0, loading: true, error: null, ready: false });
  const state = useRef(st);
  state.current = st;
  const busy = useRef(false);

  const load = useCallback(
    async (offset: number, mode: 'reset' | 'append' | 'prepend'): Promise<string> => {
      if (busy.current) return '';
      busy.current = true;
      setSt((s) => ({ ...s, loading: true, error: null }));
      try {
        const limit = mode === 'prepend' ? Math.min(PAGE_BATCH, state.current.start) : PAGE_BATCH;
        const got = await readPart({ id, part: 'pages', offset, limit: Math.max(1, limit) });
        const segs = got.pages.map((p, i) => ({ key: `p${offset + i}`, text: p.text, page: p.number }));
        setSt((s) => {
          if (mode === 'reset') return { pages: segs, start: offset, total: got.total, loading: false, error: null, ready: true };
          if (mode === 'prepend') {
            const pages = [...segs, ...s.pages].slice(0, MAX_PAGES);
            return { ...s, pages, start: offset, total: got.total, loading: false };
          }
          const all = [...s.pages, ...segs];
          const drop = Math.max(0, all.length - MAX_PAGES);
          return { ...s, pages: all.slice(drop), start: s.start + drop, total: got.total, loading: false };
        });
        return segs.map((p) => p.text).join('\n');
      } catch (err) {
        setSt((s) => ({ ...s, loading: false, error: message(err), ready: true }));
        return '';
      } finally {
        busy.current = false;
      }
    },
    [id, readPart],
  );

  useEffect(() => {
    void load(Math.max(0, firstPage - 1), 'reset');
    // Only the page asked for at first: later moves go through jump().
  }, [load]); // firstPage left out on purpose

  const s = st;
  return {
    segments: s.pages,
    loading: s.loading,
    error: s.error,
    more: s.start + s.pages.length < s.total,
    hiddenBefore: s.start,
    total: s.total,
    ready: s.ready,
    loadNext: () => {
      const c = state.current;
      return c.start + c.pages.length < c.total ? load(c.start + c.pages.length, 'append') : Promise.resolve('');
    },
    loadPrevious: async () => {
      const c = state.current;
      if (c.start > 0) await load(Math.max(0, c.start - PAGE_BATCH), 'prepend');
    },
    jump: async (page: number) => {
      const c = state.current;
      const index = Math.max(0, Math.min(page - 1, Math.max(0, c.total - 1)));
      if (index >= c.start && index < c.start + c.pages.length) return;
      await load(index, 'reset');
    },
  };
}
