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
import type { NewJob } from './rows.js';

/**
 * Inserts jobs and returns their ids (fast path for large intake: nothing is
 * read back). `defaults` holds what the rows share; `parentId` puts them all
 * in that batch.
 */
export function insert(s: StoreCore, jobs: readonly NewJob[], shared: { defaults?: NewJob; parentId?: string } = {}): string[] {
  return s.tx(() => {
    const parentBlocked = new Map<string, number>();
    const d: NewJob = shared.defaults ?? {};
    // One prepared statement, run per row: as fast as sending the rows as
    // one JSON document (json_each), without building that document and its
    // parse tree, which made a 100,000-file intake peak at 150 MB more. What
    // the rows share is read from `defaults`, not copied into each row.
    const parents: Array<string | undefined> = [];
    const ids = jobs.map((j) => {
      const id = randomUUID();
      const parentId = shared.parentId ?? j.parentId ?? d.parentId;
      parents.push(parentId);
      let blocked = 0;
      if (parentId) {
        if (!parentBlocked.has(parentId)) {
          const p = s.sql.statusOf.get(parentId) as { blocked: number } | undefined;
          if (!p) throw new JobNotFoundError(`No parent job with id "${parentId}".`);
          parentBlocked.set(parentId, p.blocked & BLOCKED.batchPaused);
        }
        blocked |= parentBlocked.get(parentId)!;
      }
      const options = j.options ?? d.options;
      s.sql.insertOne.run(
        id,
        j.kind ?? d.kind ?? 'extract',
        j.source ?? d.source ?? 'cli',
        j.sourcePath ?? d.sourcePath ?? null,
        j.fileName ?? d.fileName ?? null,
        j.sizeBytes ?? d.sizeBytes ?? null,
        j.format ?? d.format ?? null,
        options ? JSON.stringify(options) : '{}',
        j.priority ?? d.priority ?? 0,
        j.maxRetries ?? d.maxRetries ?? 3,
        j.timeoutMs ?? d.timeoutMs ?? null,
        parentId ?? null,
        j.runAt ?? d.runAt ?? null,
        blocked,
        j.onDependencyFailure ?? d.onDependencyFailure ?? 'fail',
        j.maxChildFailures ?? d.maxChildFailures ?? 0,
        j.failureAction ?? d.failureAction ?? 'continue',
        j.definition ?? d.definition ?? null,
        j.definitionVersion ?? d.definitionVersion ?? null,
      );
      return id;
    });
    const byParent = new Map<string | null, string[]>();
    parents.forEach((parentId, i) => {
      const key = parentId ?? null;
      if (!byParent.has(key)) byParent.set(key, []);
      byParent.get(key)!.push(ids[i]!);
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
  });
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
