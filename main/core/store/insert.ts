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
    if (jobs.every(isFileRow)) {
      const ids = insertFiles(s, jobs, d, shared.parentId ?? d.parentId, blockedOf);
      return settle(s, jobs, d, ids, () => shared.parentId ?? d.parentId);
    }
    const rows = new RowBuffer(s);
    // What the rows share is read from `defaults`, not copied into each row.
    // Each row's values go straight into the parameters of a multi-row
    // INSERT (no row object, no JSON document of all rows, which made a
    // 100,000-file intake peak at 150 MB more).
    const parents: Array<string | undefined> = [];
    // The shared options, serialised once rather than once per row.
    const sharedOptions = d.options ? JSON.stringify(d.options) : '{}';
    const ids = jobs.map((j) => {
      const id = randomUUID();
      const parentId = shared.parentId ?? j.parentId ?? d.parentId;
      parents.push(parentId);
      rows.add(
        id,
        j.kind ?? d.kind ?? 'extract',
        j.source ?? d.source ?? 'cli',
        j.sourcePath ?? d.sourcePath ?? null,
        j.fileName ?? d.fileName ?? null,
        j.sizeBytes ?? d.sizeBytes ?? null,
        j.format ?? d.format ?? null,
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
    return settle(s, jobs, d, ids, (i) => parents[i]);
  });
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
function insertFiles(s: StoreCore, jobs: readonly NewJob[], d: NewJob, parentId: string | undefined, blockedOf: (parentId: string) => number): string[] {
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
  const put = (i: number, at: number) => {
    const j = jobs[i]!;
    params[at] = ids[i] = randomUUID();
    params[at + 1] = j.sourcePath ?? d.sourcePath ?? null;
    params[at + 2] = j.fileName ?? d.fileName ?? null;
    params[at + 3] = j.sizeBytes ?? d.sizeBytes ?? null;
    params[at + 4] = j.format ?? d.format ?? null;
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
