/**
 * The jobs list: every matching job in one scrollable table whose height is
 * the total (spacers stand for the rows not rendered), only the rows in view
 * rendered, their pages fetched as they come into view.
 *
 * Mouse: a click opens the job; Ctrl/Cmd-click toggles it in the selection;
 * Shift-click selects the range from the last row clicked or ticked.
 * Keyboard (on a focused row): ↑/↓ or k/j move, Shift+↑/↓ extends the
 * selection, Home/End and PageUp/PageDown jump, Space selects, Enter opens,
 * Delete asks to delete, r retries, Esc clears the selection.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, type FocusEvent, type KeyboardEvent, type MouseEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ListSortKey } from '../../../shared/list-query.js';
import { STATUS_LABEL, type RowAction } from '../../lib/job-view.js';
import { registerShortcuts } from '../../lib/shortcuts.js';
import { useJobs } from '../../store/context.js';
import { useRoute } from '../../store/route.js';
import { openFromRow, openJob } from '../detail/open-job.js';
import { isSelected, PAGE } from '../../store/table.js';
import { ConfirmProvider } from './ConfirmDialog.js';
import { JobRow, PendingRow, type RowHandlers } from './JobRow.js';
import { ListActions } from './ListActions.js';
import { ListFilters, SORT_LABEL } from './ListFilters.js';
import { ScopeBar } from './ScopeBar.js';
import { useListCommands } from './useListCommands.js';
import { useListUrl, useScrollMemory } from './useListUrl.js';
import { ROW_HEIGHT, useVirtualRows } from './useVirtualRows.js';
import './list.css';

const COLUMNS = 9;

registerShortcuts({
  title: 'In the jobs list',
  items: [
    { keys: ['↑', '↓', 'k', 'j'], does: 'Move to the row above or below' },
    { keys: ['Shift+↑', 'Shift+↓'], does: 'Extend the selection' },
    { keys: ['Home', 'End', 'PageUp', 'PageDown'], does: 'Jump to the first, the last, a screen up or down' },
    { keys: ['Space'], does: 'Select or unselect the row' },
    { keys: ['Enter'], does: 'Open the job' },
    { keys: ['r'], does: 'Retry the selection, or the row' },
    { keys: ['Delete'], does: 'Delete the selection, or the row (asks first)' },
    { keys: ['Esc'], does: 'Clear the selection' },
    { keys: ['Shift+click', 'Ctrl+click'], does: 'Select a range, add or remove one row' },
  ],
});

export function JobsTable() {
  useListUrl();
  return (
    <ConfirmProvider>
      <section className="panel jobs-panel" aria-label="Job list">
        <ScopeBar />
        <ListFilters />
        <ListActions />
        <ListBody />
      </section>
    </ConfirmProvider>
  );
}

function ListBody() {
  const [total, pages, jobs, selection, allMatching, focusRow, listError, view] = useJobs(
    useShallow((s) => [s.total, s.pages, s.jobs, s.selection, s.allMatching, s.focusRow, s.listError, s.view] as const),
  );
  const actions = useJobs(
    useShallow((s) => ({
      showRows: s.showRows,
      setFocusRow: s.setFocusRow,
      toggleSelected: s.toggleSelected,
      selectRange: s.selectRange,
      clearSelection: s.clearSelection,
      idAt: s.idAt,
      setView: s.setView,
      reloadList: s.reloadList,
    })),
  );
  const commands = useListCommands();
  const scroller = useRef<HTMLDivElement>(null);
  const openId = useRoute().id;
  const count = total ?? 0;
  const { first, last } = useVirtualRows(scroller, count);
  useScrollMemory(scroller, view, total);
  /** Set when the keyboard moved the focus, so the new row takes it once rendered. */
  const keyboardMoved = useRef(false);

  useEffect(() => actions.showRows(first, last), [first, last, actions, pages]);

  // Keep the focused row inside the rendered range, and give it the focus once it is rendered.
  useLayoutEffect(() => {
    if (!keyboardMoved.current) return;
    const el = scroller.current;
    if (!el) return;
    const head = el.querySelector('thead')?.getBoundingClientRect().height ?? 0;
    const top = focusRow * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight - head) el.scrollTop = top + ROW_HEIGHT - el.clientHeight + head;
    const row = el.querySelector<HTMLElement>(`tr[data-row="${focusRow}"]`);
    if (row) {
      row.focus({ preventScroll: true });
      keyboardMoved.current = false;
    }
  });

  // The row actions read the commands through a ref: the handlers stay one object, so rows stay memoised.
  const commandsRef = useRef(commands);
  commandsRef.current = commands;
  const handlers: RowHandlers = useMemo(
    () => ({
      onRowClick(e: MouseEvent, row: number, id: string) {
        if (e.shiftKey) {
          actions.setFocusRow(row);
          void actions.selectRange(row, { add: e.ctrlKey || e.metaKey });
        } else if (e.ctrlKey || e.metaKey) {
          actions.setFocusRow(row);
          actions.toggleSelected(id, row);
        } else {
          actions.setFocusRow(row, { anchor: true });
          // Opens the detail beside the list (not at the end of a text selection).
          openFromRow(e, id);
        }
      },
      onCheck(e: MouseEvent, row: number, id: string) {
        actions.setFocusRow(row);
        if (e.shiftKey) void actions.selectRange(row, { add: true });
        else actions.toggleSelected(id, row);
      },
      onAction(action: RowAction, id: string) {
        commandsRef.current.onRow(action, id);
      },
    }),
    [actions],
  );

  const onKeyDown = useCallback(
    (e: KeyboardEvent) => {
      if ((e.target as HTMLElement).closest('button, input, select, a')) return;
      const move = (to: number) => {
        e.preventDefault();
        const target = Math.max(0, Math.min(count - 1, to));
        keyboardMoved.current = true;
        actions.setFocusRow(target, { anchor: !e.shiftKey });
        if (e.shiftKey) void actions.selectRange(target, { from: focusRow });
      };
      const id = actions.idAt(focusRow);
      const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 520) / ROW_HEIGHT) - 1);
      switch (e.key) {
        case 'ArrowDown':
        case 'j':
          return move(focusRow + 1);
        case 'ArrowUp':
        case 'k':
          return move(focusRow - 1);
        case 'PageDown':
          return move(focusRow + page);
        case 'PageUp':
          return move(focusRow - page);
        case 'Home':
          return move(0);
        case 'End':
          return move(count - 1);
        case ' ':
          e.preventDefault();
          if (id) actions.toggleSelected(id, focusRow);
          return;
        case 'Enter':
          if (id) openJob(id);
          return;
        case 'Delete':
        case 'Backspace':
          e.preventDefault();
          if (commands.selected > 0) commands.onSelection('delete');
          else if (id) commands.onRow('delete', id);
          return;
        case 'r':
          if (e.ctrlKey || e.metaKey || e.altKey) return;
          if (commands.selected > 0) commands.onSelection('retry');
          else if (id) commands.onRow('retry', id);
          return;
        case 'Escape':
          if (commands.selected > 0) {
            e.stopPropagation();
            actions.clearSelection();
          }
          return;
      }
    },
    [actions, commands, count, focusRow],
  );

  // A row focused by Tab becomes the keyboard's row and the start of the next Shift range;
  // focused by a click, the click decides the range (a Shift-click extends from the last one).
  const pressing = useRef(false);
  const onFocus = (e: FocusEvent) => {
    const tr = e.target as HTMLElement;
    if (tr.tagName !== 'TR' || tr.dataset.row === undefined) return;
    const at = Number(tr.dataset.row);
    if (at !== focusRow) actions.setFocusRow(at, { anchor: !pressing.current });
  };
  const onMouseDown = (e: MouseEvent) => {
    // A Shift-click selects rows, not the text between two clicks.
    if (e.shiftKey) e.preventDefault();
    pressing.current = true;
    setTimeout(() => (pressing.current = false), 0);
  };

  const rows = [];
  for (let row = first; row < last; row++) {
    const id = pages[Math.floor(row / PAGE)]?.[row % PAGE];
    const job = id === undefined ? undefined : jobs[id];
    rows.push(
      job ? (
        <JobRow
          key={job.id}
          job={job}
          row={row}
          selected={isSelected({ selection, allMatching }, job.id)}
          focused={row === focusRow}
          open={job.id === openId}
          handlers={handlers}
        />
      ) : (
        <PendingRow key={`pending-${row}`} row={row} columns={COLUMNS} />
      ),
    );
  }

  return (
    <div className="table-scroll" ref={scroller}>
      {/* aria-rowcount/rowindex tell assistive tech the full size when only part is rendered. */}
      <table
        aria-label="Jobs"
        aria-rowcount={count + 1}
        aria-multiselectable="true"
        className="jobs-table"
        onKeyDown={onKeyDown}
        onFocus={onFocus}
        onMouseDown={onMouseDown}
      >
        {/* Fixed layout: widths come from here, so a changed cell never makes the browser measure every row. */}
        <colgroup>
          <col className="w-select" />
          <col className="w-file" />
          <col className="w-format" />
          <col className="w-status" />
          <col className="w-progress" />
          <col className="w-attempts" />
          <col className="w-duration" />
          <col className="w-detail" />
          <col className="w-actions" />
        </colgroup>
        <thead>
          <tr aria-rowindex={1}>
            <th scope="col" className="col-select">
              <span className="visually-hidden">Selected</span>
            </th>
            <SortHeader sortKey="name" label="File" />
            <SortHeader sortKey="format" label="Format" />
            <SortHeader sortKey="status" label="Status" />
            <th scope="col" className="col-progress">
              Progress
            </th>
            <th scope="col" className="col-attempts">
              Attempts
            </th>
            <SortHeader sortKey="duration" label="Duration" />
            <th scope="col" className="col-detail">
              Details
            </th>
            <th scope="col" className="col-actions">
              Actions
            </th>
          </tr>
        </thead>
        <tbody>
          <Spacer rows={first} />
          {rows}
          <Spacer rows={count - last} />
          {count === 0 && <EmptyRow error={listError} onRetry={() => void actions.reloadList()} />}
        </tbody>
      </table>
    </div>
  );
}

/** A column header that sorts the list on the server; pressed again, the other way. */
function SortHeader({ sortKey, label }: { sortKey: ListSortKey; label: string }) {
  const [view, setView] = useJobs(useShallow((s) => [s.view, s.setView] as const));
  const active = view.sort.key === sortKey;
  const dir = active ? view.sort.dir : undefined;
  return (
    <th scope="col" aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}>
      <button
        type="button"
        className="sort-header"
        aria-label={`Sort by ${SORT_LABEL[sortKey].toLowerCase()}${active ? (dir === 'asc' ? ', ascending' : ', descending') : ''}`}
        onClick={() => setView({ ...view, sort: { key: sortKey, dir: active ? (dir === 'asc' ? 'desc' : 'asc') : sortKey === 'name' ? 'asc' : 'desc' } })}
      >
        {label}
        <span aria-hidden="true" className="sort-mark">
          {dir === 'asc' ? '▲' : dir === 'desc' ? '▼' : ''}
        </span>
      </button>
    </th>
  );
}

/** Stands in for rows that are not rendered, so the scrollbar stays true. */
function Spacer({ rows }: { rows: number }) {
  if (rows <= 0) return null;
  return (
    <tr className="spacer-row" aria-hidden="true">
      <td colSpan={COLUMNS} style={{ height: rows * ROW_HEIGHT }} />
    </tr>
  );
}

/** Loading, an error (with a way to try again), no results under a filter, or nothing yet: each says which. */
function EmptyRow({ error, onRetry }: { error: string | null; onRetry(): void }) {
  const [ready, total, view, scoped] = useJobs(useShallow((s) => [s.ready, s.total, s.view, s.parent !== null] as const));
  if (error)
    return (
      <tr className="empty-row is-error">
        <td colSpan={COLUMNS} role="alert">
          The list could not be loaded: {error}{' '}
          <button type="button" className="small" onClick={onRetry}>
            Try again
          </button>
        </td>
      </tr>
    );
  const filtered = Object.keys(view.filter).some((k) => k !== 'batch');
  const status = view.filter.status?.length === 1 ? `${STATUS_LABEL[view.filter.status[0]!].toLowerCase()} ` : '';
  const text =
    !ready || total === null
      ? 'Loading…'
      : filtered
        ? `No ${status}jobs match these filters.`
        : scoped
          ? 'No files in this batch.'
          : 'No jobs yet. Drop files or folders anywhere in this window, or use Add files.';
  return (
    <tr className="empty-row">
      <td colSpan={COLUMNS} role="status">
        {text}
      </td>
    </tr>
  );
}
