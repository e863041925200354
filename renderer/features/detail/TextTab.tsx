/**
 * The Text tab: the extracted text, page by page when the result has pages
 * ("Page N of M", a page picker) and in slices of characters otherwise, the
 * next piece read as the reader nears the end. A find bar marks the terms of
 * the search the detail was opened from (or anything typed into it) and
 * jumps between them, reading further when the matches run out.
 */
import { memo, useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import type { Job } from '../../../shared/job.js';
import { findMatches, queryTerms, splitAtRanges, type Range } from '../../lib/highlight.js';
import { capText } from '../../lib/result-view.js';
import { setDetailParam } from './open-job.js';
import { usePageWindow, useTextSlices, type Reader, type Segment } from './text-reader.js';

/** A page longer than this shows its start and a button for the rest. */
const PAGE_SHOWN_CHARS = 300_000;
/** "Next match" reads at most this many more pieces looking for one. */
const SEARCH_AHEAD = 20;

export function TextTab({ job, page, find }: { job: Job; page: number | null; find: string }) {
  const pages = usePageWindow(job.id, page ?? 1);
  const paged = pages.ready && pages.total > 0;
  const slices = useTextSlices(job.id, pages.ready && !pages.error && pages.total === 0);
  const reader: Reader = paged || !pages.ready || pages.error ? pages : slices;

  const [query, setQuery] = useState(find);
  useEffect(() => setQuery(find), [find]);
  const terms = useMemo(() => queryTerms(query), [query]);

  const body = useRef<HTMLDivElement>(null);
  const matches = useMemo(() => reader.segments.map((s) => findMatches(s.text, terms)), [reader.segments, terms]);
  const bases = useMemo(() => {
    const out: number[] = [];
    let n = 0;
    for (const m of matches) {
      out.push(n);
      n += m.length;
    }
    return { out, total: n };
  }, [matches]);
  const [current, setCurrent] = useState(-1);
  const [jumpTick, setJumpTick] = useState(0);

  // A new query starts over from its first match.
  useEffect(() => setCurrent(-1), [query]);

  // Opened from a search hit: once the first piece is in, go to the first match.
  const jumped = useRef(false);
  useEffect(() => {
    if (jumped.current || !find || reader.segments.length === 0) return;
    jumped.current = true;
    if (bases.total > 0) {
      setCurrent(0);
      setJumpTick((t) => t + 1);
    }
  }, [find, reader.segments.length, bases.total]);

  // Show the current match.
  useEffect(() => {
    if (current < 0) return;
    body.current?.querySelector(`mark[data-m="${current}"]`)?.scrollIntoView({ block: 'center' });
  }, [current, jumpTick]);

  // A new page asked for through the route (another hit of the same file, the picker): go there,
  // to its first match when there is one.
  useEffect(() => {
    if (!page || !paged) return;
    let tries = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const land = () => {
      const section = body.current?.querySelector<HTMLElement>(`[data-page="${page}"]`);
      if (!section) {
        if (tries++ < 20) timer = setTimeout(land, 25); // the page's text is still on its way
        return;
      }
      const mark = section.querySelector<HTMLElement>('mark.find-hit');
      if (mark) {
        setCurrent(Number(mark.dataset.m));
        setJumpTick((t) => t + 1);
      } else section.scrollIntoView({ block: 'start' });
    };
    void pages.jump(page).then(land);
    return () => clearTimeout(timer);
  }, [page, paged]); // not pages: a new object each render, and only a new page should move the window

  const next = async (step: 1 | -1) => {
    if (bases.total > 0 && (step === -1 ? current > 0 : current + 1 < bases.total)) {
      setCurrent(current + step);
      setJumpTick((t) => t + 1);
      return;
    }
    if (step === -1) {
      if (bases.total > 0) {
        setCurrent(bases.total - 1);
        setJumpTick((t) => t + 1);
      }
      return;
    }
    // Past the last match shown: read on until the text has another one.
    for (let i = 0; i < SEARCH_AHEAD && reader.more; i++) {
      const text = await reader.loadNext();
      if (!text) break;
      if (findMatches(text, terms, 1).length) {
        setCurrent(bases.total);
        setJumpTick((t) => t + 1);
        return;
      }
    }
    if (bases.total > 0) {
      setCurrent(0); // wrap around
      setJumpTick((t) => t + 1);
    }
  };

  const onFindKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      void next(e.shiftKey ? -1 : 1);
    }
  };

  return (
    <div className="text-tab">
      <div className="text-toolbar">
        {paged && <PagePicker total={pages.total} segments={pages.segments} body={body} />}
        {!paged && reader === slices && slices.total > 0 && (
          <span className="muted text-extent">
            {slices.hiddenBefore + slices.shownChars < slices.total || slices.more
              ? `${(slices.hiddenBefore + slices.shownChars).toLocaleString('en-US')} of ${slices.total.toLocaleString('en-US')} characters read`
              : `${slices.total.toLocaleString('en-US')} characters`}
          </span>
        )}
        <div className="find-bar" role="search" aria-label="Find in text">
          <input
            type="search"
            aria-label="Find in text"
            placeholder="Find in text"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            onKeyDown={onFindKey}
          />
          <span className="find-count" aria-live="polite">
            {terms.length === 0 ? '' : bases.total === 0 ? 'No matches shown' : `${current >= 0 ? current + 1 : 0} of ${bases.total}${reader.more ? '+' : ''}`}
          </span>
          <button type="button" className="small" aria-label="Previous match" disabled={terms.length === 0} onClick={() => void next(-1)}>
            ↑
          </button>
          <button type="button" className="small" aria-label="Next match" disabled={terms.length === 0} onClick={() => void next(1)}>
            ↓
          </button>
        </div>
      </div>
      {reader.error && (
        <p className="part-error" role="alert">
          {reader.error}
        </p>
      )}
      <div className="text-body" ref={body} aria-label="Extracted text">
        {reader.hiddenBefore > 0 && (
          <button type="button" className="small text-earlier" onClick={() => void reader.loadPrevious()}>
            {paged
              ? `Show earlier pages (${reader.hiddenBefore} before)`
              : `Back to the start (${reader.hiddenBefore.toLocaleString('en-US')} characters before)`}
          </button>
        )}
        {reader.segments.map((seg, i) =>
          seg.page !== undefined ? (
            <PageText key={seg.key} seg={seg} ranges={matches[i]!} base={bases.out[i]!} current={current} />
          ) : (
            <Highlighted key={seg.key} text={seg.text} ranges={matches[i]!} base={bases.out[i]!} current={localCurrent(current, bases.out[i]!, matches[i]!)} />
          ),
        )}
        {reader.segments.length === 0 && !reader.loading && !reader.error && <p className="muted">This file has no text.</p>}
        <MoreSentinel reader={reader} />
      </div>
    </div>
  );
}

function localCurrent(current: number, base: number, ranges: readonly Range[]): number {
  return current >= base && current < base + ranges.length ? current - base : -1;
}

function scrollToPage(body: HTMLElement | null, page: number) {
  body?.querySelector(`[data-page="${page}"]`)?.scrollIntoView({ block: 'start' });
}

/** "Page N of M", following the scroll, and a field to go to a page. */
function PagePicker({ total, segments, body }: { total: number; segments: Segment[]; body: React.RefObject<HTMLDivElement | null> }) {
  const [shown, setShown] = useState(segments[0]?.page ?? 1);
  const [draft, setDraft] = useState('');
  useEffect(() => {
    const scroller = body.current?.closest('.detail-body');
    if (!scroller) return;
    let raf = 0;
    const onScroll = () => {
      cancelAnimationFrame(raf);
      raf = requestAnimationFrame(() => {
        const top = scroller.getBoundingClientRect().top + 60;
        let page = segments[0]?.page ?? 1;
        for (const el of body.current?.querySelectorAll<HTMLElement>('[data-page]') ?? []) {
          if (el.getBoundingClientRect().top <= top) page = Number(el.dataset.page);
          else break;
        }
        setShown(page);
      });
    };
    onScroll();
    scroller.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      scroller.removeEventListener('scroll', onScroll);
      cancelAnimationFrame(raf);
    };
  }, [segments, body]);

  const go = (n: number) => {
    if (!Number.isInteger(n) || n < 1 || n > total) return;
    setDraft('');
    setDetailParam('page', String(n));
    if (body.current?.querySelector(`[data-page="${n}"]`)) scrollToPage(body.current, n);
  };

  return (
    <div className="page-picker">
      <button type="button" className="small" aria-label="Previous page" disabled={shown <= 1} onClick={() => go(shown - 1)}>
        ‹
      </button>
      <label>
        Page{' '}
        <input
          type="number"
          min={1}
          max={total}
          aria-label="Page"
          value={draft || String(shown)}
          onChange={(e) => setDraft(e.target.value)}
          onBlur={() => setDraft('')}
          onKeyDown={(e) => e.key === 'Enter' && go(Number(draft || shown))}
        />{' '}
        of {total}
      </label>
      <button type="button" className="small" aria-label="Next page" disabled={shown >= total} onClick={() => go(shown + 1)}>
        ›
      </button>
    </div>
  );
}

function PageText({ seg, ranges, base, current }: { seg: Segment; ranges: readonly Range[]; base: number; current: number }) {
  const [whole, setWhole] = useState(false);
  const { shown, hidden } = whole ? { shown: seg.text, hidden: 0 } : capText(seg.text, PAGE_SHOWN_CHARS);
  const kept = hidden ? ranges.filter(([, end]) => end <= shown.length) : ranges;
  return (
    <section className="text-page" data-page={seg.page} aria-label={`Page ${seg.page}`}>
      <div className="page-label">Page {seg.page}</div>
      {seg.text.trim() ? (
        <Highlighted text={shown} ranges={kept} base={base} current={localCurrent(current, base, kept)} />
      ) : (
        <p className="muted">(no text on this page)</p>
      )}
      {hidden > 0 && (
        <button type="button" className="small" onClick={() => setWhole(true)}>
          Show the rest of this page ({hidden.toLocaleString('en-US')} characters)
        </button>
      )}
    </section>
  );
}

/** A piece of text with its matches marked; `current` is the index (within this piece) of the match in focus. */
const Highlighted = memo(function Highlighted({ text, ranges, base, current }: { text: string; ranges: readonly Range[]; base: number; current: number }) {
  if (ranges.length === 0) return <span className="text-chunk">{text}</span>;
  let m = 0;
  return (
    <span className="text-chunk">
      {splitAtRanges(text, ranges).map((p, i) =>
        p.hit ? (
          <mark key={i} data-m={base + m} className={m++ === current ? 'find-hit current' : 'find-hit'}>
            {p.text}
          </mark>
        ) : (
          p.text
        ),
      )}
    </span>
  );
});

/** Reads the next piece when the end of the text comes into view (and a button, for keyboards). */
function MoreSentinel({ reader }: { reader: Reader }) {
  const ref = useRef<HTMLDivElement>(null);
  const load = useRef(reader.loadNext);
  load.current = reader.loadNext;
  useEffect(() => {
    const el = ref.current;
    // Not before the first piece is in: the reader reads that one itself, and an observer made
    // while the pane is empty sees its end at once and could ask for a piece again.
    if (!el || !reader.more || reader.segments.length === 0) return;
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && void load.current(), { rootMargin: '400px' });
    io.observe(el);
    return () => io.disconnect();
  }, [reader.more, reader.segments.length]);
  if (!reader.more) return null;
  return (
    <div ref={ref} className="text-more">
      <button type="button" className="small" disabled={reader.loading} onClick={() => void reader.loadNext()}>
        {reader.loading ? 'Reading…' : 'Read more'}
      </button>
    </div>
  );
}
