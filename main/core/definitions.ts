/**
 * The definitions store: pipelines saved in SQLite, versioned (saving a
 * changed definition adds a version; jobs record the version they ran), and
 * the built-in ones shipped with Quarry.
 */
import { z } from 'zod';
import { definitionInputSchema, definitionSchema, type Definition, type DefinitionInput } from '../../shared/definitions.js';
import { ExtractionError } from '../../shared/extraction.js';
import type { Statement } from 'better-sqlite3';
import type { Db } from './store/database.js';

export const DEFAULT_DEFINITION = 'extract';

export const BUILTIN_DEFINITIONS: DefinitionInput[] = [
  { name: 'extract', description: 'Extract text, Markdown, metadata, tables and entities.', steps: [{ type: 'extract' }] },
  {
    name: 'extract-clean',
    description: 'Extract, then clean the text up and normalise tables.',
    steps: [{ type: 'extract' }, { type: 'transform', options: { clean_text: true, normalize_tables: true, markdown: true } }],
  },
  {
    name: 'extract-to-folder',
    description: 'Extract, clean up, and write Markdown and JSON beside each other in a folder (options.dir, else the exports folder).',
    steps: [
      { type: 'extract' },
      { type: 'transform', options: { clean_text: true, normalize_tables: true, markdown: true } },
      { type: 'export', options: { formats: ['md', 'json'] } },
    ],
  },
];

type Row = { name: string; version: number; description: string; steps: string; timeout_ms: number | null; builtin: number; created_at: number };

function rowToDefinition(r: Row): Definition {
  return definitionSchema.parse({
    name: r.name,
    version: r.version,
    description: r.description,
    steps: JSON.parse(r.steps),
    ...(r.timeout_ms ? { timeout_ms: r.timeout_ms } : {}),
    builtin: r.builtin === 1,
    createdAt: r.created_at,
  });
}

const LATEST_TTL_MS = 1000;

export class DefinitionStore {
  /**
   * A stored version never changes (saving makes a new one), so versions are
   * cached: every job reads its definition when it runs.
   */
  private readonly versions = new Map<string, Definition>();
  /**
   * The newest version number by name, asked of the database at most once a
   * second (another process may save a version; it applies within a second,
   * ours at once). It was a query per job.
   */
  private readonly latest = new Map<string, { version: number | undefined; at: number }>();
  private readonly latestVersion: Statement;
  private readonly exact: Statement;

  constructor(
    private readonly db: Db,
    /** Step types that have an executor: a definition naming another is refused. */
    private readonly knownSteps: () => readonly string[],
  ) {
    this.latestVersion = db.prepare('SELECT max(version) FROM job_definitions WHERE name = ?').pluck();
    this.exact = db.prepare('SELECT * FROM job_definitions WHERE name = ? AND version = ?');
  }

  /** Adds the shipped definitions that are missing (a changed built-in becomes a new version). */
  ensureBuiltins(): void {
    for (const def of BUILTIN_DEFINITIONS) this.save(def, true);
  }

  /** The newest version of each definition. */
  list(): Definition[] {
    const rows = this.db
      .prepare(
        `SELECT d.* FROM job_definitions d
        WHERE version = (SELECT max(version) FROM job_definitions WHERE name = d.name) ORDER BY name`,
      )
      .all() as Row[];
    return rows.map(rowToDefinition);
  }

  private newest(name: string): number | undefined {
    const now = Date.now();
    const known = this.latest.get(name);
    if (known && now - known.at < LATEST_TTL_MS && now >= known.at) return known.version;
    const version = (this.latestVersion.get(name) as number | null) ?? undefined;
    this.latest.set(name, { version, at: now });
    return version;
  }

  get(name: string, version?: number): Definition {
    const v = version ?? this.newest(name);
    const key = `${name}\u0000${v}`;
    const cached = v === undefined ? undefined : this.versions.get(key);
    if (cached) return cached;
    const row = (v === undefined ? undefined : this.exact.get(name, v)) as Row | undefined;
    if (!row) {
      throw new ExtractionError('invalid_definition', `No job definition named "${name}"${version ? ` at version ${version}` : ''}.`);
    }
    const def = rowToDefinition(row);
    this.versions.set(key, def);
    return def;
  }

  /** Validates and saves; returns the stored version (unchanged content keeps its version). */
  save(input: unknown, builtin = false): Definition {
    const parsed = definitionInputSchema.safeParse(input);
    if (!parsed.success) {
      throw new ExtractionError('invalid_definition', `Invalid job definition: ${z.prettifyError(parsed.error)}`);
    }
    const def = parsed.data;
    const unknown = def.steps.map((s) => s.type).filter((t) => !this.knownSteps().includes(t));
    if (unknown.length) {
      throw new ExtractionError(
        'invalid_definition',
        `Unknown step type${unknown.length > 1 ? 's' : ''} ${unknown.map((t) => `"${t}"`).join(', ')} (known: ${this.knownSteps().join(', ')}).`,
      );
    }
    // IMMEDIATE: it reads, then writes, and another connection (the search indexer) may write in between.
    return this.db
      .transaction(() => {
        const latest = this.db.prepare('SELECT * FROM job_definitions WHERE name = ? ORDER BY version DESC LIMIT 1').get(def.name) as Row | undefined;
        const same =
          latest && latest.description === def.description && latest.steps === JSON.stringify(def.steps) && (latest.timeout_ms ?? undefined) === def.timeout_ms;
        if (latest && same) return rowToDefinition(latest);
        if (latest?.builtin && !builtin) {
          throw new ExtractionError('invalid_definition', `"${def.name}" is a built-in definition: save yours under another name.`);
        }
        this.db
          .prepare('INSERT INTO job_definitions (name, version, description, steps, timeout_ms, builtin) VALUES (?, ?, ?, ?, ?, ?)')
          .run(def.name, (latest?.version ?? 0) + 1, def.description, JSON.stringify(def.steps), def.timeout_ms ?? null, builtin ? 1 : 0);
        this.latest.delete(def.name);
        return this.get(def.name);
      })
      .immediate();
  }
}
