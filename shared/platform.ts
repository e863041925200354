/**
 * The desktop integration (issue #14) as one interface, implemented twice:
 * - Electron main (main/desktop/electron-platform.ts): the taskbar's progress
 *   and badge, native notifications, the file manager (shell.openPath,
 *   shell.showItemInFolder);
 * - the browser version (renderer/platform/browser.ts): the tab's title, the
 *   Notification API, and a download of the original instead of opening it.
 *
 * What follows the work by itself (showProgress, notify) is fed by the
 * shared WorkFollower (shared/desktop-policy.ts). What a person triggers
 * (open, reveal) names a job or an export by id, never a path: in Electron
 * the window asks main through the `platform.*` channels below, and main
 * finds the path in its own records (main/desktop/open-policy.ts).
 */
import { z } from 'zod';
import type { BatchNotice, WorkProgress } from './desktop-policy.js';
import { failureActionSchema } from './job.js';

export type { BatchNotice, WorkProgress } from './desktop-policy.js';

/** What an implementation can do, so the window offers only what works. */
export interface PlatformCapabilities {
  /** Open a job's original in the application the OS associates with it. */
  openFile: boolean;
  /** Show a job's original, or an export just written, selected in the file manager. */
  reveal: boolean;
  /** Save a copy of the original instead (the browser: the file is on the server's disk). */
  downloadOriginal: boolean;
  /** Progress and the failed count on the taskbar or dock; otherwise in the title. */
  taskbar: boolean;
}

/** The part of the platform a person triggers from the window. */
export interface PlatformActions {
  readonly kind: 'electron' | 'browser';
  readonly can: PlatformCapabilities;
  /** Open the job's original file (the browser downloads it). */
  openSource(jobId: string): Promise<void>;
  /** Show the job's original in its folder. */
  revealSource(jobId: string): Promise<void>;
  /** Show an export this app wrote in its folder (`exportId` from results.export). */
  revealExport(exportId: string): Promise<void>;
}

/** The whole platform: the actions, and what it says about the work unasked. */
export interface DesktopPlatform extends PlatformActions {
  /** Progress over the running work and the failed count (taskbar + badge, or the title). */
  showProgress(progress: WorkProgress): void;
  /** One finished batch; clicking it brings the window forward on that batch. */
  notify(notice: BatchNotice): void;
}

export const THEME_CHOICES = ['system', 'light', 'dark'] as const;
export const themeChoiceSchema = z.enum(THEME_CHOICES);
export type ThemeChoice = z.infer<typeof themeChoiceSchema>;

/** What main keeps of the window's preferences (Electron): it needs them before the page loads. */
export const desktopPrefsSchema = z.object({
  /** The theme's manual override; 'system' follows the OS (nativeTheme.themeSource). */
  theme: themeChoiceSchema,
  /** Finished batches raise a notification while the window is in the background. */
  notifyBatches: z.boolean(),
  /**
   * The options new files are queued with, as chosen in the window: files
   * that arrive through main (the menu's dialog, a second launch, the
   * command line) get them too, as a drop would.
   */
  intake: z
    .object({
      definition: z.string().min(1).max(64),
      failureAction: failureActionSchema,
      maxChildFailures: z.number().int().min(0),
    })
    .strict()
    .optional(),
});
export type DesktopPrefs = z.infer<typeof desktopPrefsSchema>;

const jobId = z.string().min(1).max(64);
const exportId = z.string().min(1).max(64);

/** The contract's platform channels (spread into shared/contract.ts). Ids only: a path is never accepted. */
export const platformChannels = {
  /** Electron: open the job's original with the OS (only its stored source path). */
  'platform.openSource': { input: z.object({ id: jobId }).strict(), output: z.object({ done: z.literal(true) }) },
  /** Electron: show the job's original in its folder. */
  'platform.revealSource': { input: z.object({ id: jobId }).strict(), output: z.object({ done: z.literal(true) }) },
  /** Electron: show an export this run wrote (by the id results.export returned). */
  'platform.revealExport': { input: z.object({ exportId }).strict(), output: z.object({ done: z.literal(true) }) },
  /** Electron: the window's preferences main applies (the native theme, notifications); returns what is kept. */
  'platform.prefs': { input: desktopPrefsSchema.partial().strict(), output: desktopPrefsSchema },
} as const;

/**
 * What Electron main asks of the window (the native menu, a notification's
 * click): pushed as the `desktop.command` event.
 */
export const desktopCommandSchema = z.discriminatedUnion('command', [
  z.object({ command: z.literal('open-batch'), id: jobId }),
  z.object({ command: z.literal('export') }),
  z.object({ command: z.literal('toggle-theme') }),
  z.object({ command: z.literal('shortcuts') }),
  /** Files added outside the window (a second launch, the command line, the menu's dialog): say so. */
  z.object({ command: z.literal('added'), added: z.number().int(), rejected: z.number().int() }),
]);
export type DesktopCommand = z.infer<typeof desktopCommandSchema>;
