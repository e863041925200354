/**
 * Where the window opens: where it was last time, unless that is no longer on
 * a screen (a monitor unplugged, a smaller resolution). Then it is pulled onto
 * the display it overlapped most (or the primary one), shrunk to fit its work
 * area, never left where its title bar cannot be grabbed. Plain functions over
 * rectangles; electron-window-state.ts gives them screen.getAllDisplays().
 */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface SavedWindow {
  bounds: Rect;
  maximized: boolean;
}

export const DEFAULT_SIZE = { width: 1280, height: 820 };
export const MIN_SIZE = { width: 800, height: 560 };

function overlap(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), Math.max(lo, hi));

/** Centred on a work area at the default size (or smaller, to fit). */
function centred(area: Rect): Rect {
  const width = Math.min(DEFAULT_SIZE.width, area.width);
  const height = Math.min(DEFAULT_SIZE.height, area.height);
  return { x: Math.round(area.x + (area.width - width) / 2), y: Math.round(area.y + (area.height - height) / 2), width, height };
}

/**
 * The bounds to open with. `workAreas`: every display's work area (the screen
 * minus taskbars and docks), the primary first. No saved bounds, or bounds
 * touching no display: centred on the primary display.
 */
export function restoreBounds(saved: Rect | undefined, workAreas: readonly Rect[]): Rect {
  const primary = workAreas[0] ?? { x: 0, y: 0, ...DEFAULT_SIZE };
  if (!saved || !(saved.width > 0 && saved.height > 0)) return centred(primary);
  let best: Rect | undefined;
  let most = 0;
  for (const area of workAreas) {
    const o = overlap(saved, area);
    if (o > most) [best, most] = [area, o];
  }
  if (!best) return centred(primary);
  // Fits the work area, not below the minimum the window allows unless the screen is smaller still.
  const width = clamp(Math.round(saved.width), Math.min(MIN_SIZE.width, best.width), best.width);
  const height = clamp(Math.round(saved.height), Math.min(MIN_SIZE.height, best.height), best.height);
  const x = clamp(Math.round(saved.x), best.x, best.x + best.width - width);
  const y = clamp(Math.round(saved.y), best.y, best.y + best.height - height);
  return { x, y, width, height };
}
