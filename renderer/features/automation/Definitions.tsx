import type { Definition } from '../../store/automation.js';
import { useJobs } from '../../store/context.js';

function stepsLabel(d: Definition): string {
  return d.steps.map((s) => s.type + (s.on_error === 'continue' ? ' (continue on error)' : '')).join(' → ');
}

/** The saved pipelines: name, version, steps. */
export function Definitions() {
  const definitions = useJobs((s) => s.definitions);
  return (
    <section className="automation-part" aria-labelledby="definitions-title">
      <h3 id="definitions-title">Definitions</h3>
      <p className="muted part-hint">
        Pipelines a job runs, step by step. Choose one for new files (the toolbar's “New jobs” options), or for a watch folder or schedule.
      </p>
      {definitions === null ? (
        <p className="muted">Loading…</p>
      ) : definitions.length === 0 ? (
        <p className="muted">No definitions.</p>
      ) : (
        <table aria-label="Definitions" className="mini-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Version</th>
              <th scope="col">Steps</th>
            </tr>
          </thead>
          <tbody>
            {definitions.map((d) => (
              <tr key={d.name} aria-label={d.name}>
                <td>
                  <span className="def-name" title={d.description}>
                    {d.name}
                  </span>
                  {d.builtin && <span className="tag">built-in</span>}
                  {d.description && <span className="def-desc muted">{d.description}</span>}
                </td>
                <td className="num">v{d.version}</td>
                <td className="steps">{stepsLabel(d)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
