/**
 * Intake from the dashboard: the options new files are queued with (chosen
 * in the toolbar's popover, remembered in localStorage), files becoming paths (the transport: real paths in
 * the desktop app, uploads in the browser) and paths becoming jobs
 * (jobs.addPaths, in pieces the contract accepts), and the report of what was
 * added and what was refused.
 */
import type { Rejection } from '../../shared/contract.js';
import { FAILURE_ACTIONS, type FailureAction } from '../../shared/job.js';
import { jobName } from '../lib/job-view.js';
import { readPref, writePref } from '../lib/prefs.js';
import { relativePathOf } from '../transport/relative-path.js';
import { DEFAULT_DEFINITION } from './automation.js';
import type { BatchRef } from './batches.js';
import type { FrameBatcher } from './event-batch.js';
import { chunks, type SliceKit } from './slice.js';

export interface IntakeReport {
  added: number;
  acceptedNames: string[];
  rejected: Rejection[];
  /** The batches the files were grouped under (one per 10,000 files), if any. */
  batches: BatchRef[];
  definition: string;
}

/** What new files are queued with: chosen in the toolbar's popover or in Settings. */
export interface IntakeOptions {
  definition: string;
  failureAction: FailureAction;
  /** Only used with stop_all: failed children tolerated before the rest is cancelled (0 = no limit). */
  maxChildFailures: number;
}

export interface IntakeState {
  intakeOptions: IntakeOptions;
  /** What intake is doing right now ("Uploading 3 files…"), or null. */
  intakeBusy: string | null;
  lastIntake: IntakeReport | null;
}

export interface IntakeActions {
  setIntakeOptions(options: Partial<IntakeOptions>): void;
  intake(files: readonly File[], preRejected?: readonly Rejection[]): Promise<void>;
}

/** jobs.addPaths takes at most this many paths per call. */
const ADD_MAX = 10_000;
/** How many accepted names an intake report lists (the count is always exact). */
const REPORT_NAMES = 50;

/** The top folder every relative path shares ("scans/a.pdf", "scans/x/b.pdf" -> "scans"), if any. */
function commonFolder(relativePaths: readonly string[]): string | undefined {
  const tops = new Set(relativePaths.map((p) => (p.includes('/') ? p.split('/')[0] : '')));
  const [top] = tops;
  return tops.size === 1 && top ? top : undefined;
}

const DEFAULT_OPTIONS: IntakeOptions = { definition: DEFAULT_DEFINITION, failureAction: 'continue', maxChildFailures: 0 };
const OPTIONS_PREF = 'intakeOptions';

/** The options remembered from the last session; anything malformed falls back to the default. */
function rememberedOptions(): IntakeOptions {
  const o = readPref(OPTIONS_PREF) as Partial<IntakeOptions> | undefined;
  if (!o || typeof o !== 'object') return DEFAULT_OPTIONS;
  return {
    definition: typeof o.definition === 'string' && o.definition.length > 0 && o.definition.length <= 100 ? o.definition : DEFAULT_OPTIONS.definition,
    failureAction: FAILURE_ACTIONS.includes(o.failureAction as FailureAction) ? (o.failureAction as FailureAction) : DEFAULT_OPTIONS.failureAction,
    maxChildFailures: Number.isInteger(o.maxChildFailures) && o.maxChildFailures! >= 0 ? o.maxChildFailures! : DEFAULT_OPTIONS.maxChildFailures,
  };
}

export function createIntakeSlice(
  { client, set, get, reportError }: SliceKit<IntakeState>,
  feed: Pick<FrameBatcher, 'hint'>,
  requestProgress: (batchId: string) => void,
): IntakeState & IntakeActions {
  return {
    intakeOptions: rememberedOptions(),
    intakeBusy: null,
    lastIntake: null,

    setIntakeOptions(options) {
      set((s) => ({ intakeOptions: { ...s.intakeOptions, ...options } }));
      writePref(OPTIONS_PREF, get().intakeOptions);
    },

    async intake(files, preRejected = []) {
      const rejected: Rejection[] = [...preRejected];
      const acceptedNames: string[] = [];
      const batches: BatchRef[] = [];
      const { definition, failureAction, maxChildFailures } = get().intakeOptions;
      let added = 0;
      set({ intakeBusy: client.transport.kind === 'browser' ? `Uploading ${files.length} file${files.length === 1 ? '' : 's'}…` : 'Adding…' });
      try {
        const found = files.length ? await client.transport.filesToPaths(files) : { paths: [], rejected: [] };
        // A folder dropped in the browser arrives as separate uploads: name its batch after the folder.
        const batchName = commonFolder(files.map(relativePathOf));
        rejected.push(...found.rejected);
        if (found.paths.length) set({ intakeBusy: 'Queuing…' });
        for (const paths of chunks(found.paths, ADD_MAX)) {
          const res = await client.invoke('jobs.addPaths', {
            paths,
            ...(batchName ? { batchName } : {}),
            failureAction,
            ...(failureAction === 'stop_all' ? { maxChildFailures } : {}),
            ...(definition !== DEFAULT_DEFINITION ? { definition } : {}),
          });
          added += res.added;
          // An upload is rejected under the name it was dropped with, not its copy's path on the server.
          rejected.push(...res.rejected.map((r) => ({ ...r, path: found.names?.get(r.path) ?? r.path })));
          if (res.batch) {
            feed.hint(res.batch);
            batches.push({ id: res.batch.id, name: jobName(res.batch) });
            requestProgress(res.batch.id);
          }
          for (const job of res.jobs) {
            feed.hint(job);
            if (acceptedNames.length < REPORT_NAMES) acceptedNames.push(jobName(job));
          }
        }
      } catch (err) {
        reportError(err);
      } finally {
        set({ intakeBusy: null, lastIntake: { added, acceptedNames, rejected, batches, definition } });
      }
    },
  };
}
