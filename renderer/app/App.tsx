import type { ReactNode } from 'react';
import { Alerts } from '../features/alerts/Alerts.js';
import { Banners } from '../features/alerts/Banners.js';
import { AutomationView } from '../features/automation/AutomationView.js';
import { ListDetail } from '../features/detail/ListDetail.js';
import { SearchView } from '../features/search/SearchView.js';
import { BatchesPanel } from '../features/batches/BatchesPanel.js';
import { DropOverlay } from '../features/dropzone/DropOverlay.js';
import { Header } from '../features/header/Header.js';
import { Shortcuts } from '../features/help/Shortcuts.js';
import { IntakeReport } from '../features/intake/IntakeReport.js';
import { JobsTable } from '../features/jobs/JobsTable.js';
import { SettingsView } from '../features/settings/SettingsView.js';
import { Sidebar } from '../features/shell/Sidebar.js';
import { SkipLink } from '../features/shell/SkipLink.js';
import { StatsView } from '../features/stats/StatsView.js';
import { WorkersView } from '../features/workers/WorkersView.js';
import { useRoute, type Route } from '../store/route.js';
import { useScopeRoute } from './useScopeRoute.js';

/**
 * The window: a toolbar on top, the places and the status filters on the
 * left, the current place in the centre (the jobs list by default). Dropping
 * files anywhere adds them; the place is the URL's hash (store/route.ts).
 */
export function App() {
  const route = useRoute();
  useScopeRoute(route);
  return (
    <div className="app">
      <SkipLink />
      <Header />
      <div className="workspace">
        <Sidebar />
        <main className="content" id="main" aria-label={`${route.view[0]!.toUpperCase()}${route.view.slice(1)}`}>
          <Banners />
          <IntakeReport />
          <Place route={route} />
        </main>
      </div>
      <Alerts />
      <DropOverlay />
      <Shortcuts />
    </div>
  );
}

function Place({ route }: { route: Route }): ReactNode {
  switch (route.view) {
    case 'jobs':
      return (
        <ListDetail>
          <JobsTable />
        </ListDetail>
      );
    case 'batches':
      return (
        <div className={`batches-view${route.id ? ' has-open-batch' : ''}`}>
          <BatchesPanel />
          {route.id && <JobsTable />}
        </div>
      );
    case 'stats':
      return <StatsView />;
    case 'automation':
      return <AutomationView />;
    case 'settings':
      return <SettingsView />;
    case 'search':
      return (
        <ListDetail>
          <SearchView />
        </ListDetail>
      );
    case 'workers':
      return <WorkersView />;
  }
}
