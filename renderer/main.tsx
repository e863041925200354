import './zod-csp.js'; // first: configures zod before any schema runs
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createClient } from '../shared/client.js';
import { App } from './app/App.js';
import { applyTheme } from './lib/theme.js';
import { StoreProvider } from './store/context.js';
import { createJobsStore } from './store/jobs.js';
import { initialListView } from './store/list-view.js';
import { installPlatform } from './platform/index.js';
import { pickTransport } from './transport/select.js';

// Before the first paint: a dark-theme user never sees a light flash.
applyTheme();
const client = createClient(pickTransport());
const store = createJobsStore(client, { listView: initialListView() });
// Outside React so StrictMode's double effects never subscribe twice.
store.getState().start();
// The desktop platform: Electron's (menu, taskbar, file manager, via main) or the browser's (title, notifications, downloads).
installPlatform(client, store);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreProvider store={store}>
      <App />
    </StoreProvider>
  </StrictMode>,
);
