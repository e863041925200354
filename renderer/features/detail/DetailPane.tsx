/**
 * A job's detail, beside the list (issue 13): what the file is, what
 * happened to it, and its result in tabs. The route says which job and tab
 * (open-job.ts); the store's detail slice holds the job and its history.
 */
import { useEffect, useRef, type KeyboardEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { registerShortcuts } from '../../lib/shortcuts.js';
import { hasResult } from '../../store/detail.js';
import { useJobs } from '../../store/context.js';
import { useRoute } from '../../store/route.js';
import { DetailHeader } from './DetailHeader.js';
import { FilesTab } from './FilesTab.js';
import { ErrorTab, HistoryTab } from './HistoryTabs.js';
import { MarkdownTab } from './MarkdownTab.js';
import { closeJob, setDetailParam, type DetailTab } from './open-job.js';
import { EntitiesTab, MetadataTab, WarningsTab } from './PartTabs.js';
import { TablesTab } from './TablesTab.js';
import { TextTab } from './TextTab.js';
import type { Job, JobEvent } from '../../../shared/job.js';
import './detail.css';

registerShortcuts({
  title: 'Job detail',
  items: [
    { keys: ['Enter'], does: 'Open the focused job’s detail beside the list' },
    { keys: ['Esc'], does: 'Close the detail' },
    { keys: ['←', '→'], does: 'Previous / next tab (on the tabs)' },
    { keys: ['Enter', 'Shift+Enter'], does: 'Next / previous match (in “Find in text”)' },
  ],
});

interface TabDef {
  tab: DetailTab;
  label: string;
  count?: number;
}

/** The tabs a job has: its files when it holds some, result tabs when it has a result, the error when it failed, always its history. */
export function tabsFor(job: Job, children: number): TabDef[] {
  const tabs: TabDef[] = [];
  const s = job.resultSummary;
  if (hasResult(job)) {
    tabs.push({ tab: 'text', label: 'Text' }, { tab: 'markdown', label: 'Markdown' });
    tabs.push({ tab: 'tables', label: 'Tables', count: s?.tables ?? 0 });
    tabs.push({ tab: 'metadata', label: 'Metadata' });
    tabs.push({ tab: 'entities', label: 'Entities', count: s?.entities ?? 0 });
    tabs.push({ tab: 'warnings', label: 'Warnings', count: s?.warnings ?? 0 });
  }
  if (children > 0) tabs.push({ tab: 'files', label: 'Files', count: children });
  if (job.errorMessage || job.errorCode) tabs.push({ tab: 'error', label: 'Error' });
  tabs.push({ tab: 'history', label: 'History' });
  return tabs;
}

export function DetailPane({ id }: { id: string }) {
  const route = useRoute();
  const [detail, openDetail] = useJobs(useShallow((s) => [s.detail, s.openDetail] as const));
  const pane = useRef<HTMLElement>(null);

  useEffect(() => openDetail(id), [id, openDetail]);
  useEffect(() => () => openDetail(null), [openDetail]);

  // Esc closes the detail from anywhere in the window, unless a field or a dialog wants it.
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape' || e.defaultPrevented) return;
      const t = e.target as HTMLElement | null;
      if (t?.closest('.app-header, dialog, [role="dialog"]')) return;
      e.preventDefault();
      closeJob();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const job = detail?.job ?? null;
  const tabs = job ? tabsFor(job, detail?.children.length ?? 0) : [];
  const requested = route.params.tab as DetailTab | undefined;
  const fallback: DetailTab = job && !hasResult(job) && (job.errorMessage || job.errorCode) ? 'error' : (tabs[0]?.tab ?? 'history');
  const tab = tabs.some((t) => t.tab === requested) ? requested! : fallback;
  const page = Number(route.params.page) || null;
  const find = route.params.find ?? (route.view === 'search' ? route.params.q : undefined) ?? '';

  const onTabKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft' && e.key !== 'Home' && e.key !== 'End') return;
    e.preventDefault();
    const at = tabs.findIndex((t) => t.tab === tab);
    const next = e.key === 'Home' ? 0 : e.key === 'End' ? tabs.length - 1 : (at + (e.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length;
    setDetailParam('tab', tabs[next]!.tab);
    pane.current?.querySelector<HTMLElement>(`#detail-tab-${tabs[next]!.tab}`)?.focus();
  };

  return (
    <section className="detail-pane panel" aria-label="Job detail" ref={pane}>
      <button type="button" className="ghost detail-close" aria-label="Close detail" title="Close (Esc)" onClick={closeJob}>
        ×
      </button>
      {!detail || (detail.loading && !job) ? (
        <p className="detail-empty muted">Loading…</p>
      ) : detail.error ? (
        <p className="detail-empty" role="alert">
          This job cannot be shown: {detail.error}
        </p>
      ) : job ? (
        <>
          <DetailHeader job={job} summary={detail.summary} removed={detail.removed} />
          <div className="detail-tabs" role="tablist" aria-label="Result parts" onKeyDown={onTabKey}>
            {tabs.map((t) => (
              <button
                key={t.tab}
                id={`detail-tab-${t.tab}`}
                type="button"
                role="tab"
                aria-selected={t.tab === tab}
                aria-controls="detail-tabpanel"
                tabIndex={t.tab === tab ? 0 : -1}
                className={t.tab === 'error' ? 'tab-error' : t.count === 0 ? 'tab-empty' : undefined}
                title={t.count === 0 ? `No ${t.label.toLowerCase()} in this file` : undefined}
                onClick={() => setDetailParam('tab', t.tab)}
              >
                {t.label}
                {t.count ? <span className="tab-count">{t.count.toLocaleString('en-US')}</span> : null}
              </button>
            ))}
          </div>
          <div className="detail-body" id="detail-tabpanel" role="tabpanel" aria-labelledby={`detail-tab-${tab}`}>
            {tab === 'files' ? (
              <FilesTab files={detail.children} more={detail.moreChildren} />
            ) : (
              <TabContent key={`${job.id}:${tab}:${job.completedAt ?? ''}`} job={job} tab={tab} page={page} find={find} events={detail.events} />
            )}
          </div>
        </>
      ) : null}
    </section>
  );
}

interface TabProps {
  job: Job;
  tab: DetailTab;
  page: number | null;
  find: string;
  events: JobEvent[];
}

function TabContent({ job, tab, page, find, events }: TabProps) {
  switch (tab) {
    case 'text':
      return <TextTab job={job} page={page} find={find} />;
    case 'markdown':
      return <MarkdownTab job={job} />;
    case 'tables':
      return <TablesTab job={job} />;
    case 'metadata':
      return <MetadataTab job={job} />;
    case 'entities':
      return <EntitiesTab job={job} />;
    case 'warnings':
      return <WarningsTab job={job} />;
    case 'error':
      return <ErrorTab job={job} events={events} />;
    case 'history':
      return <HistoryTab job={job} events={events} />;
    case 'files':
      return null; // rendered by the pane, from the store's list of files
  }
}
