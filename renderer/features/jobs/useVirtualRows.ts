/**
 * Which rows of a long table to actually render: those in the scroll
 * container's viewport plus some overscan. Measured: 500 rendered rows cost
 * the browser most of each frame under a stream of updates; 40 cost little.
 * Short tables render whole (better for find-in-page and screen readers).
 */
import { useEffect, useState, type RefObject } from 'react';

/** Keep in sync with `.job-row { height }` in styles.css. */
export const ROW_HEIGHT = 52;
const OVERSCAN = 12;
/** Below this many rows everything is rendered. */
const VIRTUAL_MIN = 120;

export interface RowRange {
  first: number;
  /** Exclusive. */
  last: number;
}

export function useVirtualRows(container: RefObject<HTMLElement | null>, count: number): RowRange {
  const [viewport, setViewport] = useState({ top: 0, height: 800 });

  useEffect(() => {
    const el = container.current;
    if (!el) return;
    let frame = 0;
    const measure = () => {
      frame = 0;
      setViewport((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
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

  if (count <= VIRTUAL_MIN) return { first: 0, last: count };
  const first = Math.max(0, Math.floor(viewport.top / ROW_HEIGHT) - OVERSCAN);
  const last = Math.min(count, Math.ceil((viewport.top + viewport.height) / ROW_HEIGHT) + OVERSCAN);
  return { first, last };
}
