/**
 * The small parts of a result: metadata (with how the file was read),
 * entities by type, and the extractor's warnings.
 */
import { useMemo, useState } from 'react';
import type { Job } from '../../../shared/job.js';
import { metadataEntries } from '../../../shared/metadata-text.js';
import { capText, entityGroups, readableKey, readableValue } from '../../lib/result-view.js';
import { useJobs } from '../../store/context.js';
import { PartStatus, usePart } from './use-part.js';

/** A metadata value longer than this is cut, with a button for the rest. */
const VALUE_CHARS = 2_000;
const ENTITY_STEP = 200;

export function MetadataTab({ job }: { job: Job }) {
  const { value, error } = usePart(job.id, 'metadata');
  const summary = useJobs((s) => s.detail?.summary ?? null);
  if (!value) return <PartStatus error={error} />;
  // Empty values (an XMP writer's "()", an empty list) are left out, as in the Markdown export.
  const entries = metadataEntries(value.metadata);
  return (
    <div className="metadata-tab">
      <h3>Document</h3>
      {entries.length === 0 ? (
        <p className="muted">The file carries no metadata.</p>
      ) : (
        <dl className="kv">
          {entries.map(([k, v]) => (
            <KeyValue key={k} name={readableKey(k)} raw={k} value={v} />
          ))}
        </dl>
      )}
      {summary && (
        <>
          <h3>How it was read</h3>
          <dl className="kv">
            <KeyValue name="Format" value={summary.format} />
            <KeyValue name="Detected by" value={summary.detection.method} />
            {summary.detection.mime && <KeyValue name="MIME type" value={summary.detection.mime} />}
            {summary.detection.encoding && <KeyValue name="Encoding" value={summary.detection.encoding} />}
            <KeyValue name="Extractor" value={`${summary.extractor.name} ${summary.extractor.version}`} />
            <KeyValue name="Characters" value={summary.chars.toLocaleString('en-US')} />
            {summary.spooled && <KeyValue name="Stored" value="Full text kept in a file beside the database (read in slices)" />}
            {Object.entries(summary.counters).map(([k, v]) => (
              <KeyValue key={k} name={readableKey(k)} value={readableValue(v)} />
            ))}
          </dl>
        </>
      )}
    </div>
  );
}

function KeyValue({ name, value, raw }: { name: string; value: string; raw?: string }) {
  const [whole, setWhole] = useState(false);
  const { shown, hidden } = whole ? { shown: value, hidden: 0 } : capText(value, VALUE_CHARS);
  return (
    <div className="kv-row">
      <dt title={raw}>{name}</dt>
      <dd>
        {shown}
        {hidden > 0 && (
          <>
            …{' '}
            <button type="button" className="link small" onClick={() => setWhole(true)}>
              show all ({hidden.toLocaleString('en-US')} more characters)
            </button>
          </>
        )}
      </dd>
    </div>
  );
}

export function EntitiesTab({ job }: { job: Job }) {
  const { value, error } = usePart(job.id, 'entities');
  const [type, setType] = useState<string | null>(null);
  const [shown, setShown] = useState(ENTITY_STEP);
  const groups = useMemo(() => (value ? entityGroups(value.entities) : []), [value]);
  const list = useMemo(() => (value ? value.entities.filter((e) => type === null || e.type === type) : []), [value, type]);
  if (!value) return <PartStatus error={error} />;
  if (value.entities.length === 0) return <p className="muted">No entities were found in this file.</p>;
  return (
    <div className="entities-tab">
      <div className="chips" role="group" aria-label="Entity types">
        <button type="button" className="small" aria-pressed={type === null} onClick={() => setType(null)}>
          All <span className="tab-count">{value.entities.length.toLocaleString('en-US')}</span>
        </button>
        {groups.map((g) => (
          <button key={g.type} type="button" className="small" aria-pressed={type === g.type} onClick={() => setType(g.type)}>
            {g.type} <span className="tab-count">{g.count.toLocaleString('en-US')}</span>
          </button>
        ))}
      </div>
      <table className="result-grid entities-grid" aria-label="Entities">
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">Value</th>
            <th scope="col">Attributes</th>
          </tr>
        </thead>
        <tbody>
          {list.slice(0, shown).map((e, i) => (
            <tr key={i}>
              <td>{e.type}</td>
              <td className="entity-value">{capText(e.value, VALUE_CHARS).shown}</td>
              <td className="muted">
                {e.attributes
                  ? Object.entries(e.attributes)
                      .map(([k, v]) => `${k}: ${readableValue(v)}`)
                      .join(' · ')
                  : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list.length > shown && (
        <p className="table-more">
          <span className="muted">{(list.length - shown).toLocaleString('en-US')} more</span>{' '}
          <button type="button" className="small" onClick={() => setShown(shown + ENTITY_STEP * 5)}>
            Show more
          </button>
        </p>
      )}
    </div>
  );
}

export function WarningsTab({ job }: { job: Job }) {
  const { value, error } = usePart(job.id, 'warnings');
  if (!value) return <PartStatus error={error} />;
  if (value.warnings.length === 0) return <p className="muted">The extractor reported no warnings.</p>;
  return (
    <ul className="warnings-list" aria-label="Warnings">
      {value.warnings.slice(0, 1000).map((w, i) => (
        <li key={i}>{capText(w, VALUE_CHARS).shown}</li>
      ))}
      {value.warnings.length > 1000 && <li className="muted">{value.warnings.length - 1000} more warnings</li>}
    </ul>
  );
}
