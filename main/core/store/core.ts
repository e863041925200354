/**
 * What every part of the store stands on: the connection and its statements,
 * transactions whose events are announced only after they commit, finding a
 * job, and the one guarded write every status change goes through.
 *
 * - `transition` checks the state machine's rule, then writes with the
 *   expected status in its WHERE clause, so a change made meanwhile by another
 *   process is refused rather than overwritten.
 * - Events ('changed', 'added', 'removed', 'abort') wait in a buffer while a
 *   transaction runs: a listener never sees a change that was rolled back.
 */
import { categoryOf } from '../../../shared/extraction.js';
import { isTerminal, type Job, type JobStatus } from '../../../shared/job.js';
import { InvalidTransitionError, RULES, type JobAction } from '../state-machine.js';
import type { Db } from './database.js';
import { JobNotFoundError } from '../errors.js';
import { rowToJob, type JobError, type Row } from './rows.js';
import { prepareStatements, type Statements } from './statements.js';

export interface StoreEvents {
  /** A job changed (status, progress of a batch, priority...). */
  changed: [Job];
  /** Jobs were added: their ids (the first few may also come as 'changed'). */
  added: [{ ids: string[]; parentId: string | null }];
  removed: [string];
  /** A running job was cancelled by a cascade: its work must be stopped. */
  abort: [string];
}

type Emit = <E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]) => void;

/** What a status change writes besides the status. */
interface Change {
  error: JobError | null;
  retryCount: number;
  nextRetryAt?: number | null;
  warning?: string | null;
}

export class StoreCore {
  readonly sql: Statements;
  /** Events of the transaction in progress, announced after it commits. */
  private buffer: Array<() => void> | null = null;
  /** Called before a transaction takes the write lock: waits while another thread of this process holds it (search-indexer.ts). */
  writeGate: (() => void) | undefined;
  /** While another thread of this process holds the write lock: a promise of its release (search-indexer.ts). */
  writeBusy: (() => Promise<void> | undefined) | undefined;

  constructor(
    readonly db: Db,
    private readonly emit: Emit,
  ) {
    this.sql = prepareStatements(db);
  }

  /** Runs `fn` in a transaction; its events are announced only if it commits. */
  tx<T>(fn: () => T): T {
    if (this.buffer) {
      // Nested: a savepoint, so a refused operation leaves nothing half-written;
      // its events are dropped with it, the outer transaction announces the rest.
      const mark = this.buffer.length;
      try {
        return this.db.transaction(fn)();
      } catch (err) {
        this.buffer.length = mark;
        throw err;
      }
    }
    const buffer: Array<() => void> = [];
    this.buffer = buffer;
    let result: T;
    try {
      // IMMEDIATE: the write lock is taken (or waited for) at BEGIN. A deferred
      // transaction that reads first cannot wait for it later: if another
      // connection (the search indexer's worker, another process) committed
      // meanwhile, its first write fails at once with SQLITE_BUSY.
      this.writeGate?.();
      result = this.db.transaction(fn).immediate();
    } finally {
      this.buffer = null;
    }
    for (const announce of buffer) announce();
    return result;
  }

  announce<E extends keyof StoreEvents>(event: E, ...args: StoreEvents[E]): void {
    const fire = () => this.emit(event, ...args);
    if (this.buffer) this.buffer.push(fire);
    else fire();
  }

  /** Announces a job as it is now stored (after a write that returned nothing). */
  changedJob(id: string): Job {
    const job = this.require(id);
    this.announce('changed', job);
    return job;
  }

  get(id: string): Job | undefined {
    const row = this.sql.byId.get(id) as Row | undefined;
    return row ? rowToJob(row) : undefined;
  }

  require(id: string): Job {
    const job = this.get(id);
    if (!job) throw new JobNotFoundError(`No job with id "${id}".`);
    return job;
  }

  /** Finds a job by its full id or an unambiguous prefix (git style, 4+ characters). */
  resolve(idOrPrefix: string): Job {
    const key = idOrPrefix.trim().toLowerCase();
    const exact = this.get(key);
    if (exact) return exact;
    if (key.length < 4 || !/^[0-9a-f-]+$/.test(key)) throw new JobNotFoundError(`No job with id "${idOrPrefix}".`);
    const rows = this.sql.byPrefix.all(key, key + '\uffff') as Row[];
    if (rows.length === 0) throw new JobNotFoundError(`No job with id "${idOrPrefix}".`);
    if (rows.length > 1) throw new JobNotFoundError(`Job id "${idOrPrefix}" is ambiguous: give more characters.`);
    return rowToJob(rows[0]!);
  }

  /**
   * Moves a job from the status it was read in to `to`. A job that reaches a
   * terminal status is announced by batch-rules' `finished`, with what follows.
   */
  transition(job: Job, action: JobAction, to: JobStatus, change: Change): Job {
    if (!RULES[action].to.includes(to)) throw new InvalidTransitionError(action, job.id, job.status);
    const e = change.error;
    const row = this.sql.setStatus.get({
      id: job.id,
      from: job.status,
      to,
      errorCode: e?.code ?? null,
      errorCategory: e ? categoryOf(e.code) : null,
      errorMessage: e?.message ?? null,
      errorDetails: e?.details ? JSON.stringify(e.details) : null,
      retryCount: change.retryCount,
      nextRetryAt: change.nextRetryAt ?? null,
      warning: change.warning ?? null,
      // Who ran the attempt ending here (kept as it was when not said).
      ranBy: e?.ranBy ?? null,
    }) as Row | undefined;
    // Another process changed the job between our read and our write.
    if (!row) throw new InvalidTransitionError(action, job.id, this.require(job.id).status);
    // The statement sets the timing columns itself, so RETURNING shows the row as stored.
    const updated = rowToJob(row);
    if (!isTerminal(to)) this.announce('changed', updated);
    return updated;
  }
}
