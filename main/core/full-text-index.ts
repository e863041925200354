/**
 * Indexes a spooled full text (a file over 32 MB, main/core/full-text.ts) in
 * chunks streamed from its spool file, never read whole: at completion the
 * index holds the stored preview (search-index.ts); this then writes the
 * whole text, about 1 MB a row, a transaction per chunk so the write lock
 * is never held for long. A chunk ends at white space (the rest starts the
 * next), so no word is cut in two. One file at a time, in the background;
 * `idle()` waits until the queue is empty.
 */
import type { Job } from '../../shared/job.js';
import { fullTextChunks, openFullText } from './full-text.js';
import type { JobStore } from './store/job-store.js';

export class FullTextIndexer {
  private readonly queue: string[] = [];
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly store: JobStore,
    private readonly onError: (err: Error) => void,
  ) {}

  /** A finished job: its full text is indexed if it was spooled. */
  offer(job: Job): void {
    if (this.stopped || !job.resultSummary?.spooled || (job.status !== 'completed' && job.status !== 'partial')) return;
    this.queue.push(job.id);
    this.running ??= this.drain().finally(() => (this.running = undefined));
  }

  /** Resolves when every offered text is indexed. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops after the chunk being written (what is written stays valid; the rest of the text stays unindexed). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.queue.length = 0;
    await this.running;
  }

  private async drain(): Promise<void> {
    for (let id = this.queue.shift(); id !== undefined && !this.stopped; id = this.queue.shift()) {
      try {
        await indexSpooledText(this.store, id, () => this.stopped);
      } catch (err) {
        this.onError(err as Error);
      }
    }
  }
}

/** The chunks a text is cut into: about `size` characters, ending at white space where there is some. */
export async function* wordChunks(source: AsyncIterable<string>): AsyncGenerator<string> {
  let carry = '';
  for await (const piece of source) {
    const text = carry + piece;
    const cut = lastSpace(text);
    if (cut <= 0) {
      carry = text;
      // A run of more than 4 MB without white space is cut anyway.
      if (carry.length < 4 * 1024 * 1024) continue;
      yield carry;
      carry = '';
      continue;
    }
    yield text.slice(0, cut);
    carry = text.slice(cut);
  }
  if (carry) yield carry;
}

function lastSpace(text: string): number {
  for (let i = text.length - 1; i >= 0; i--) if (/\s/u.test(text[i]!)) return i + 1;
  return -1;
}

/** Streams one job's spooled text into the index; stops when the job's result changes (deleted, re-run) or `stop()` says so. */
export async function indexSpooledText(store: JobStore, id: string, stopped: () => boolean = () => false): Promise<number> {
  const job = store.get(id);
  const result = job && store.result(id);
  const full = result?.document.fullText;
  if (!job || !result || !full) return 0;
  const source = await openFullText(full, id);
  if (!source.ok) return 0;
  let part = (result.document.pages?.length ?? 0) + 1;
  try {
    for await (const chunk of wordChunks(fullTextChunks(source.file))) {
      if (stopped() || !store.indexChunk(job.seq, result.createdAt, part, chunk)) break;
      part++;
      // Other work (the scheduler, the dashboard's reads) runs between chunks.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    await source.file.close();
  }
  return part - 1 - (result.document.pages?.length ?? 0);
}
