/**
 * Indexes a spooled full text (a file over 32 MB, main/core/full-text.ts) in
 * chunks streamed from its spool file, never read whole: first the index
 * holds the stored preview (written by search-indexer.ts with the rest of
 * the job's rows, see search-index.ts); this then writes the
 * whole text, about 1 MB a row, a transaction per chunk so the write lock
 * is never held for long. A chunk ends at white space (the rest starts the
 * next; see fullTextByteChunks for the one exception), and it goes to
 * SQLite as the file's bytes, never a JavaScript string. One file at a
 * time, in the background;
 * `idle()` waits until the queue is empty. What is owed is recorded in the
 * store (results_fts_pending): `resume()` at start picks up every text a
 * stop or a crash left half-indexed, from the chunk where it stopped.
 */
import { fullTextByteChunks, openFullText } from './full-text.js';
import type { JobStore } from './store/job-store.js';
import type { PendingChunks } from './store/search-index.js';

export class FullTextIndexer {
  private readonly queue: string[] = [];
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: JobStore,
    private readonly onError: (err: Error) => void,
  ) {}

  /** Every text the store says is still owed: the background indexer wrote its preview (search-indexer.ts), or a stop, a crash or an older version left it. */
  resume(): void {
    for (const id of this.store.pendingChunkJobs()) this.enqueue(id);
  }

  private enqueue(id: string): void {
    if (this.stopped || this.queue.includes(id)) return;
    this.queue.push(id);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when every offered text is indexed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops after the chunk being written (what is written stays valid; the rest waits in the store for `resume()`). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.running;
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
      for (let attempt = 1; ; attempt++) {
        try {
          await indexSpooledText(this.store, id, () => this.stopped);
          break;
        } catch (err) {
          // The write lock stayed taken (the engine's or the indexer's batch): a moment later, from the chunk the store says.
          if (busy(err) && attempt < BUSY_TRIES && !this.stopped) {
            await new Promise<void>((resolve) => setTimeout(resolve, BUSY_PAUSE_MS));
            continue;
          }
          // Said, not thrown as the store's failure (a CLI run would stop for it): the text stays owed, the next start resumes it.
          this.onError(new Error(`Full-text indexing of job ${id} stopped (resumed at the next start): ${(err as Error).message}`));
          break;
        }
      }
    }
  }
}

const BUSY_TRIES = 10;
const BUSY_PAUSE_MS = 500;

function busy(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}

/**
 * Streams one job's spooled text into the index, from where its record in
 * the store says it stands; stops when the job's result changes (deleted,
 * re-run), another process takes over, or `stop()` says so. Returns the
 * number of chunks written.
 */
export async function indexSpooledText(store: JobStore, id: string, stopped: () => boolean = () => false): Promise<number> {
  const job = store.get(id);
  const owed = job && store.pendingChunks(job.seq);
  // The result (and its document) is read once: each chunk checks the job's completion time, not the result's row.
  const full = owed && store.result(id)?.document.fullText;
  const completedAt = job?.completedAt;
  if (!job || !full || !owed || completedAt == null) return 0;
  let at: PendingChunks = owed;
  const source = await openFullText(full, id);
  // The file is gone or not this job's: the preview stays indexed, and nothing more can be.
  if (!source.ok) {
    store.finishChunks(at, completedAt);
    return 0;
  }
  let written = 0;
  try {
    for await (const chunk of fullTextByteChunks(source.file, at.byte)) {
      const next: PendingChunks = { ...at, part: at.part + 1, byte: at.byte + chunk.length };
      if (stopped() || !store.indexChunk(at, completedAt, next.byte, chunk)) return written;
      at = next;
      written++;
      // Other work (the scheduler, the dashboard's reads) runs between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!stopped()) store.finishChunks(at, completedAt);
  } finally {
    await source.file.close();
  }
  return written;
}
