/**
 * New jobs into the store: the store's half of intake (main/core/intake.ts
 * turns dropped paths into these rows). Jobs are inserted in one transaction
 * and announced as 'added'; a batch is inserted with its children; children
 * of a paused batch start paused, and jobs with unmet dependencies start held.
 */
import { randomUUID } from 'node:crypto';
import { BLOCKED, type Job } from '../../../shared/job.js';
import { JobNotFoundError } from '../errors.js';
import { addDependencies, startFilling } from './batch-rules.js';
import type { StoreCore } from './core.js';
import { FILE_COLUMNS, INSERT_COLUMNS, INSERT_ROWS } from './statements.js';
import type { NewJob } from './rows.js';

/**
 * Inserts jobs and returns their ids (fast path for large intake: nothing is
 * read back). `defaults` holds what the rows share; `parentId` puts them all
 * in that batch.
 */
export function insert(s: StoreCore, jobs: readonly NewJob[], shared: { defaults?: NewJob; parentId?: string } = {}): string[] {
  return s.tx(() => {
    if (!jobs.length) return [];
    const d: NewJob = shared.defaults ?? {};
    const blockedOf = parentBlocking(s);
    const counts = new NewCounts();
    const counted = countTogether(s, jobs.length);
    let ids: string[];
    let parentOf: (i: number) => string | undefined;
    if (jobs.every(isFileRow)) {
      const parentId = shared.parentId ?? d.parentId;
      ids = insertFiles(s, jobs, d, parentId, blockedOf, counts);
      parentOf = () => parentId;
    } else {
      const parents: Array<string | undefined> = [];
      ids = insertRows(s, jobs, d, shared.parentId, blockedOf, parents, counts);
      parentOf = (i) => parents[i];
    }
    counted(counts);
    return settle(s, jobs, d, ids, parentOf);
  });
}

/**
 * The rows about to be inserted are counted in job_counts together, one
 * statement per kind, source and format once they are in, rather than by the
 * jobs_count_insert trigger once per row (migration 011): the trigger leaves
 * alone the rows whose seq is at most `upto`, and every row inserted here
 * comes after the largest seq so far. Call the returned function once the
 * rows are in, in the same transaction: it counts them and hands counting
 * back to the trigger. (Counting the rows again in SQL, grouped, cost as
 * much as the trigger: a sort of every new row.)
 */
function countTogether(s: StoreCore, rows: number): (counts: NewCounts) => void {
  const to = (s.sql.lastSeq.get() as number) + rows;
  // Past this, SQLite may choose rowids at random rather than after the
  // largest: the trigger counts them, as it counts every row past `upto`.
  if (!Number.isSafeInteger(to)) return () => {};
  s.sql.countedByStore.run(to);
  return (counts) => {
    for (const c of counts.groups()) s.sql.countInserted.run(c);
    s.sql.countedByStore.run(0);
  };
}

/** New jobs (all pending) by kind, source and format, as job_counts counts them (a format of null counts as ''). */
class NewCounts {
  private readonly byKey = new Map<string, { kind: string; source: string; format: string; n: number }>();

  add(kind: string, source: string, format: string | null, n = 1): void {
    const key = `${kind}\0${source}\0${format ?? ''}`;
    const group = this.byKey.get(key);
    if (group) group.n += n;
    else this.byKey.set(key, { kind, source, format: format ?? '', n });
  }

  groups(): Iterable<{ kind: string; source: string; format: string; n: number }> {
    return this.byKey.values();
  }
}

/** Rows of any shape: each binds all its columns (what it does not say comes from `defaults`). */
function insertRows(
  s: StoreCore,
  jobs: readonly NewJob[],
  d: NewJob,
  sharedParent: string | undefined,
  blockedOf: (parentId: string) => number,
  parents: Array<string | undefined>,
  counts: NewCounts,
): string[] {
  const rows = new RowBuffer(s);
  // What the rows share is read from `defaults`, not copied into each row.
  // Each row's values go straight into the parameters of a multi-row
  // INSERT (no row object, no JSON document of all rows, which made a
  // 100,000-file intake peak at 150 MB more).
  // The shared options, serialised once rather than once per row.
  const sharedOptions = d.options ? JSON.stringify(d.options) : '{}';
  const ids = jobs.map((j) => {
    const id = randomUUID();
    const parentId = sharedParent ?? j.parentId ?? d.parentId;
    parents.push(parentId);
    const kind = j.kind ?? d.kind ?? 'extract';
    const source = j.source ?? d.source ?? 'cli';
    const format = j.format ?? d.format ?? null;
    counts.add(kind, source, format);
    rows.add(
      id,
      kind,
      source,
      j.sourcePath ?? d.sourcePath ?? null,
      j.fileName ?? d.fileName ?? null,
      j.sizeBytes ?? d.sizeBytes ?? null,
      format,
      j.options ? JSON.stringify(j.options) : sharedOptions,
      j.priority ?? d.priority ?? 0,
      j.maxRetries ?? d.maxRetries ?? 3,
      j.timeoutMs ?? d.timeoutMs ?? null,
      parentId ?? null,
      j.runAt ?? d.runAt ?? null,
      parentId ? blockedOf(parentId) : 0,
      j.onDependencyFailure ?? d.onDependencyFailure ?? 'fail',
      j.maxChildFailures ?? d.maxChildFailures ?? 0,
      j.failureAction ?? d.failureAction ?? 'continue',
      j.definition ?? d.definition ?? null,
      j.definitionVersion ?? d.definitionVersion ?? null,
    );
    return id;
  });
  rows.flush();
  return ids;
}

/**
 * After the rows are in: each batch counts its new children, dependencies are
 * recorded, and the new jobs are announced, per parent.
 */
function settle(s: StoreCore, jobs: readonly NewJob[], d: NewJob, ids: string[], parentOf: (i: number) => string | undefined): string[] {
  const byParent = new Map<string | null, string[]>();
  ids.forEach((id, i) => {
    const key = parentOf(i) ?? null;
    if (!byParent.has(key)) byParent.set(key, []);
    byParent.get(key)!.push(id);
  });
  // A batch counts its children: once per batch here, not once per child
  // (this is the only place jobs are inserted; deletions and status
  // changes of children are counted by triggers, migration 002).
  for (const [parentId, group] of byParent) if (parentId) s.sql.addChildren.run(group.length, parentId);
  // After the counting: a dependency that already failed settles its jobs, and their batch, at once.
  jobs.forEach((j, i) => {
    const deps = j.dependsOn ?? d.dependsOn;
    if (deps?.length) addDependencies(s, ids[i]!, deps);
  });
  for (const [parentId, group] of byParent) s.announce('added', { ids: group, parentId });
  return ids;
}

/** What a file row (intake's usual row) may say of its own: anything else is shared by the rows of one insert. */
const FILE_FIELDS = new Set<string>(['sourcePath', 'fileName', 'sizeBytes', 'format']);

function isFileRow(j: NewJob): boolean {
  for (const key in j) if (!FILE_FIELDS.has(key)) return false;
  return true;
}

/**
 * File rows: each binds its id, path, name, size and format; the columns the
 * rows share (statements.ts insertFiles) are bound once per statement.
 */
function insertFiles(
  s: StoreCore,
  jobs: readonly NewJob[],
  d: NewJob,
  parentId: string | undefined,
  blockedOf: (parentId: string) => number,
  counts: NewCounts,
): string[] {
  const shared = {
    kind: d.kind ?? 'extract',
    source: d.source ?? 'cli',
    options: d.options ? JSON.stringify(d.options) : '{}',
    priority: d.priority ?? 0,
    maxRetries: d.maxRetries ?? 3,
    timeoutMs: d.timeoutMs ?? null,
    parentId: parentId ?? null,
    runAt: d.runAt ?? null,
    blocked: parentId ? blockedOf(parentId) : 0,
    onDependencyFailure: d.onDependencyFailure ?? 'fail',
    maxChildFailures: d.maxChildFailures ?? 0,
    failureAction: d.failureAction ?? 'continue',
    definition: d.definition ?? null,
    definitionVersion: d.definitionVersion ?? null,
  };
  const ids = new Array<string>(jobs.length);
  const params = new Array<unknown>(INSERT_ROWS * FILE_COLUMNS);
  // The rows share their kind and source: counted by format alone.
  const byFormat = new Map<string | null, number>();
  const put = (i: number, at: number) => {
    const j = jobs[i]!;
    const format = j.format ?? d.format ?? null;
    byFormat.set(format, (byFormat.get(format) ?? 0) + 1);
    params[at] = ids[i] = randomUUID();
    params[at + 1] = j.sourcePath ?? d.sourcePath ?? null;
    params[at + 2] = j.fileName ?? d.fileName ?? null;
    params[at + 3] = j.sizeBytes ?? d.sizeBytes ?? null;
    params[at + 4] = format;
  };
  let i = 0;
  for (; i + INSERT_ROWS <= jobs.length; i += INSERT_ROWS) {
    for (let r = 0; r < INSERT_ROWS; r++) put(i + r, r * FILE_COLUMNS);
    s.sql.insertFiles.run(...params, shared);
  }
  for (; i < jobs.length; i++) {
    put(i, 0);
    s.sql.insertFile.run(params[0], params[1], params[2], params[3], params[4], shared);
  }
  for (const [format, n] of byFormat) counts.add(shared.kind, shared.source, format, n);
  return ids;
}

/** A parent's paused state, which its new children start with; read once per parent. */
function parentBlocking(s: StoreCore): (parentId: string) => number {
  const known = new Map<string, number>();
  return (parentId) => {
    let blocked = known.get(parentId);
    if (blocked === undefined) {
      const p = s.sql.statusOf.get(parentId) as { blocked: number } | undefined;
      if (!p) throw new JobNotFoundError(`No parent job with id "${parentId}".`);
      known.set(parentId, (blocked = p.blocked & BLOCKED.batchPaused));
    }
    return blocked;
  };
}

/**
 * Rows on their way into the jobs table: INSERT_ROWS at a time in one
 * multi-row statement, the rest one by one at the end. The parameter array
 * is reused, so a big intake allocates nothing per row here.
 */
class RowBuffer {
  private readonly params: unknown[] = new Array<unknown>(INSERT_ROWS * INSERT_COLUMNS);
  private n = 0;

  constructor(private readonly s: StoreCore) {}

  add(...row: unknown[]): void {
    const at = this.n * INSERT_COLUMNS;
    for (let i = 0; i < INSERT_COLUMNS; i++) this.params[at + i] = row[i];
    if (++this.n === INSERT_ROWS) {
      this.s.sql.insertMany.run(this.params);
      this.n = 0;
    }
  }

  flush(): void {
    for (let r = 0; r < this.n; r++) this.s.sql.insertOne.run(this.params.slice(r * INSERT_COLUMNS, (r + 1) * INSERT_COLUMNS));
    this.n = 0;
  }
}

/** Adds jobs and returns them as stored. */
export function add(s: StoreCore, jobs: readonly NewJob[]): Job[] {
  return insert(s, jobs).map((id) => s.require(id));
}

/** A batch: a parent job with one child per file, in one transaction. */
export function addBatch(
  s: StoreCore,
  parent: NewJob,
  children: readonly NewJob[],
  childDefaults: NewJob = {},
  opts: { fillingOwner?: string } = {},
): { batch: Job; childIds: string[] } {
  return s.tx(() => {
    const [batchId] = insert(s, [{ ...parent, kind: 'batch' }]);
    // More files follow in later chunks (intake.ts): held open from the start.
    if (opts.fillingOwner) startFilling(s, batchId!, opts.fillingOwner);
    // Children are counted once per insert (see insert), not by a trigger
    // per child, which would rewrite the batch's row 100,000 times for a large folder.
    const childIds = insert(s, children, { defaults: { source: parent.source, ...childDefaults }, parentId: batchId });
    return { batch: s.require(batchId!), childIds };
  });
}
