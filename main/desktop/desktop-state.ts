/**
 * What the desktop app remembers between runs, in the data folder
 * (desktop.json): the window's bounds and whether it was maximised, the
 * theme's manual override (main needs it for nativeTheme.themeSource before
 * the page loads) and whether finished batches notify. A missing or damaged
 * file gives the defaults; writes go to a temporary file renamed over the old
 * one, so a crash mid-write never leaves half a file.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { FailureAction } from '../../shared/job.js';
import { desktopPrefsSchema, type DesktopPrefs } from '../../shared/platform.js';
import { DEFAULT_DEFINITION } from '../core/definitions.js';

const rectSchema = z.object({ x: z.number().finite(), y: z.number().finite(), width: z.number().finite().positive(), height: z.number().finite().positive() });

export const desktopStateSchema = desktopPrefsSchema.extend({
  window: z.object({ bounds: rectSchema, maximized: z.boolean() }).optional(),
});
export type DesktopState = z.infer<typeof desktopStateSchema>;

export const DEFAULT_DESKTOP_STATE: DesktopState = { theme: 'system', notifyBatches: true };

export const desktopStatePath = (dataDir: string) => path.join(dataDir, 'desktop.json');

export function readDesktopState(file: string): DesktopState {
  if (!existsSync(file)) return { ...DEFAULT_DESKTOP_STATE };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    // Field by field: a damaged entry costs that entry, not the others.
    const state: DesktopState = { ...DEFAULT_DESKTOP_STATE };
    const shape = desktopStateSchema.shape;
    for (const key of Object.keys(shape) as Array<keyof typeof shape>) {
      const r = shape[key].safeParse(parsed[key]);
      if (r.success && r.data !== undefined) Object.assign(state, { [key]: r.data });
    }
    return state;
  } catch {
    return { ...DEFAULT_DESKTOP_STATE };
  }
}

export function writeDesktopState(file: string, state: DesktopState): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(desktopStateSchema.parse(state), null, 2), { mode: 0o600 });
  renameSync(tmp, file);
}

/** The theme and notification preferences out of the state (what `platform.prefs` returns). */
export function prefsOf(state: DesktopState): DesktopPrefs {
  return { theme: state.theme, notifyBatches: state.notifyBatches, ...(state.intake ? { intake: state.intake } : {}) };
}

/** engine.addPaths' options for files that arrive through main, from the window's intake choice (as the window's own intake sends them). */
export function intakeOptionsOf(state: DesktopState): { definition?: string; failureAction?: FailureAction; maxChildFailures?: number } {
  const o = state.intake;
  if (!o) return {};
  return {
    failureAction: o.failureAction,
    ...(o.failureAction === 'stop_all' ? { maxChildFailures: o.maxChildFailures } : {}),
    ...(o.definition !== DEFAULT_DEFINITION ? { definition: o.definition } : {}),
  };
}

/** The state file, read once and written on each change. */
export class DesktopStateFile {
  private state: DesktopState;

  constructor(private readonly file: string) {
    this.state = readDesktopState(file);
  }

  get(): DesktopState {
    return this.state;
  }

  update(change: Partial<DesktopState>): DesktopState {
    this.state = { ...this.state, ...change };
    try {
      writeDesktopState(this.file, this.state);
    } catch {
      // A read-only data folder costs the memory of the next start, not this run.
    }
    return this.state;
  }
}
