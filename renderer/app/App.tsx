import { useEffect } from 'react';
import { Alerts } from '../features/alerts/Alerts.js';
import { AutomationPanel } from '../features/automation/AutomationPanel.js';
import { BatchesPanel } from '../features/batches/BatchesPanel.js';
import { CountCards } from '../features/counts/CountCards.js';
import { DropZone } from '../features/dropzone/DropZone.js';
import { ExportPanel } from '../features/export/ExportPanel.js';
import { Header } from '../features/header/Header.js';
import { IntakeOptions } from '../features/intake/IntakeOptions.js';
import { IntakeReport } from '../features/intake/IntakeReport.js';
import { JobsTable } from '../features/jobs/JobsTable.js';

export function App() {
  useEffect(() => {
    // A file dropped outside the drop zone would make the window navigate to it.
    const stop = (e: DragEvent) => e.preventDefault();
    window.addEventListener('dragover', stop);
    window.addEventListener('drop', stop);
    return () => {
      window.removeEventListener('dragover', stop);
      window.removeEventListener('drop', stop);
    };
  }, []);

  return (
    <div className="app">
      <Header />
      <main className="content">
        <Alerts />
        <div className="top-grid">
          <section className="panel intake-panel" aria-label="Add files">
            <DropZone />
            <IntakeOptions />
            <IntakeReport />
          </section>
          <ExportPanel />
        </div>
        <AutomationPanel />
        <CountCards />
        <BatchesPanel />
        <JobsTable />
      </main>
    </div>
  );
}
