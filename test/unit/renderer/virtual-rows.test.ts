/** The jobs list's rendered window: always covers what is in view, and moves only now and then while scrolling. */
import { describe, expect, it } from 'vitest';
import { anchorOf, rangeOf, ROW_HEIGHT } from '../../../renderer/features/jobs/useVirtualRows.js';

describe('the rendered window of the jobs list', () => {
  const height = 600;
  const count = 100_000;

  it('covers every row in view, at any scroll position', () => {
    for (let top = 0; top < 5_000 * ROW_HEIGHT; top += 37) {
      const { first, last } = rangeOf(anchorOf(top, height), count);
      expect(first).toBeLessThanOrEqual(Math.floor(top / ROW_HEIGHT));
      expect(last).toBeGreaterThanOrEqual(Math.min(count, Math.ceil((top + height) / ROW_HEIGHT)));
      expect(last - first).toBeLessThan(80);
    }
  });

  it('changes only when the view has moved by several rows, not on every scrolled pixel', () => {
    let changes = 0;
    let prev = anchorOf(0, height);
    const pixels = 100 * ROW_HEIGHT;
    for (let top = 1; top <= pixels; top++) {
      const a = anchorOf(top, height);
      if (a.top !== prev.top || a.rows !== prev.rows) changes++;
      prev = a;
    }
    // 100 rows scrolled pixel by pixel: a handful of re-renders, not 5,200.
    expect(changes).toBeGreaterThan(0);
    expect(changes).toBeLessThanOrEqual(100 / 4);
  });

  it('renders a short list whole, and stops at the last row of a long one', () => {
    expect(rangeOf(anchorOf(0, height), 50)).toEqual({ first: 0, last: 50 });
    const end = rangeOf(anchorOf(count * ROW_HEIGHT - height, height), count);
    expect(end.last).toBe(count);
  });
});
