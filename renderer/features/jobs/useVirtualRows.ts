/**
 * Which rows of a long table to actually render: those in the scroll
 * container's viewport plus some overscan. Measured: 500 rendered rows cost
 * the browser most of each frame under a stream of updates; 40 cost little.
 * Short tables render whole (better for find-in-page and screen readers).
 *
 * The table re-renders only when the rendered window has to move, not on
 * every scrolled pixel: the first row in view is rounded down to a multiple
 * of STEP, and the window covers STEP rows more than the viewport, so it
 * stays valid while the view moves within those STEP rows (bench case 16).
 */
import { useEffect, useState, type RefObject } from 'react';

/** Keep in sync with `.job-row { height }` in styles.css. */
export const ROW_HEIGHT = 52;
const OVERSCAN = 12;
/** The window moves by this many rows at a time. */
const STEP = 8;
/** Below this many rows everything is rendered. */
const VIRTUAL_MIN = 120;

export interface RowRange {
  first: number;
  /** Exclusive. */
  last: number;
}

/** Where the viewport is, rounded to what changes the rendered window. */
interface Anchor {
  /** The first row in view, rounded down to a multiple of STEP. */
  top: number;
  /** Rows the viewport holds (rounded up). */
  rows: number;
}

export function anchorOf(scrollTop: number, height: number): Anchor {
  return { top: Math.floor(Math.max(0, scrollTop) / ROW_HEIGHT / STEP) * STEP, rows: Math.ceil(height / ROW_HEIGHT) };
}

export function rangeOf(anchor: Anchor, count: number): RowRange {
  if (count <= VIRTUAL_MIN) return { first: 0, last: count };
  const first = Math.max(0, anchor.top - OVERSCAN);
  const last = Math.min(count, anchor.top + STEP + anchor.rows + OVERSCAN);
  return { first, last };
}

export function useVirtualRows(container: RefObject<HTMLElement | null>, count: number): RowRange {
  const [anchor, setAnchor] = useState<Anchor>({ top: 0, rows: Math.ceil(800 / ROW_HEIGHT) });

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      const next = anchorOf(el.scrollTop, el.clientHeight);
      // Same anchor, same state object: React skips the render.
      setAnchor((a) => (a.top === next.top && a.rows === next.rows ? a : next));
    };
    const onScroll = () => (frame ||= requestAnimationFrame(measure));
    const resize = new ResizeObserver(onScroll);
    el.addEventListener('scroll', onScroll, { passive: true });
    resize.observe(el);
    measure();
    return () => {
      el.removeEventListener('scroll', onScroll);
      resize.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [container]);

  return rangeOf(anchor, count);
}
