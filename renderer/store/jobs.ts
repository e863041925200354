/**
 * The dashboard's state: one zustand store composed of slices, each a module
 * that owns a few fields and the actions that change them:
 * - connection.ts: subscribing (start), reloading (refresh), the app info and the engine's switches;
 * - counts.ts: the status and format counts (the sidebar's filters);
 * - table.ts: the jobs table's window, filter, batch scope, paging and selection;
 * - batches.ts: the batches panel's window, paging and each batch's progress;
 * - job-actions.ts: retry, cancel, delete (one or many), pause and resume a batch;
 * - intake.ts: intake options, adding files, the intake report;
 * - export.ts: exporting results;
 * - automation.ts: definitions, watch folders, schedules;
 * - overview.ts: the statistics view's numbers;
 * - detail.ts: the opened job's detail; search.ts: full-text search;
 * - errors.ts: the failures the alert region shows.
 * Pushed events are never polled for: they are batched per animation frame
 * (event-batch.ts) and each frame is folded, here, into the counts, the table
 * and the batches in one update.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Client } from '../../shared/client.js';
import { createAutomationSlice, type AutomationActions, type AutomationState } from './automation.js';
import { createBatchesSlice, type BatchesActions, type BatchesState } from './batches.js';
import { createConnectionSlice, type ConnectionActions, type ConnectionState } from './connection.js';
import { createCountsSlice, type CountsState } from './counts.js';
import { createDetailSlice, type DetailActions, type DetailState } from './detail.js';
import { createErrorsSlice, type ErrorsActions, type ErrorsState } from './errors.js';
import { FrameBatcher } from './event-batch.js';
import { createExportSlice, type ExportActions, type ExportState } from './export.js';
import { createIntakeSlice, type IntakeActions, type IntakeState } from './intake.js';
import { createQueuedJobActions, type QueuedJobActions, type QueuedJobActionsState } from './job-actions.js';
import type { ListView } from './list-view.js';
import { createOverviewSlice, type OverviewActions, type OverviewState } from './overview.js';
import { createSearchSlice, type SearchActions, type SearchState } from './search.js';
import { createWorkersSlice, type WorkersActions, type WorkersState } from './workers.js';
import { createTableSlice, type TableActions, type TableState } from './table.js';
import { RecentlyRemoved } from './window-load.js';

export interface JobsState
  extends
    ConnectionState,
    CountsState,
    TableState,
    BatchesState,
    QueuedJobActionsState,
    IntakeState,
    ExportState,
    ErrorsState,
    AutomationState,
    OverviewState,
    DetailState,
    SearchState,
    WorkersState {}

export interface JobsActions
  extends
    ConnectionActions,
    TableActions,
    BatchesActions,
    QueuedJobActions,
    IntakeActions,
    ExportActions,
    ErrorsActions,
    AutomationActions,
    OverviewActions,
    DetailActions,
    SearchActions,
    WorkersActions {}

export type JobsStore = StoreApi<JobsState & JobsActions>;

/** What a batch row may do, passed in rather than selected per row. */
export type BatchActions = Pick<JobsActions, 'act' | 'setBatchPaused' | 'showChildren'>;

export interface StoreOptions {
  /** The jobs list's first view (from the URL or localStorage: list-view.ts), so the first load is the right one. */
  listView?: ListView;
}

export function createJobsStore(client: Client, opts: StoreOptions = {}): JobsStore {
  return createStore<JobsState & JobsActions>()((set, get) => {
    const errors = createErrorsSlice(set);
    const kit = { client, set, get, reportError: errors.reportError };
    const removed = new RecentlyRemoved();
    // Each frame of pushed events, folded in one update into the slices below that show jobs.
    const feed = new FrameBatcher((frame) => {
      removed.note(frame);
      set((s) => ({ ...counts.fold(frame), ...table.fold(s, frame), ...batches.fold(s, frame), ...detail.fold(s, frame) }));
      batches.followUp(frame);
    });
    const counts = createCountsSlice(kit);
    const table = createTableSlice(kit, removed, opts.listView);
    const batches = createBatchesSlice(kit, removed, feed);
    const detail = createDetailSlice(kit);
    const connection = createConnectionSlice(kit, {
      feed,
      loads: [counts.load, table.load, batches.load],
      statsPushed: counts.pushed,
      dispose: () => {
        batches.dispose();
        table.dispose();
      },
    });

    return {
      ...connection,
      ...counts.slice,
      ...table.slice,
      ...batches.slice,
      ...createQueuedJobActions(kit, feed),
      ...createIntakeSlice(kit, feed, batches.requestProgress),
      ...createExportSlice(kit),
      ...createAutomationSlice(kit),
      ...createOverviewSlice(kit),
      ...detail.slice,
      ...createSearchSlice(kit),
      ...createWorkersSlice(kit),
      ...errors,
    };
  });
}
