/**
 * Throttled progress over a MessagePort: a PDF with 2,000 pages must not
 * flood the main thread with 2,000 messages, so we post at most every
 * `intervalMs`, and always the final state.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ProgressMessage } from '../shared/extraction';

export interface ProgressReporter {
  report(processed: number, total: number): void;
  /** Posts the last state (if any was not posted yet) and closes the port. */
  finish(final?: ProgressMessage): Promise<void>;
}

export function createProgressReporter(port: MessagePort | undefined, intervalMs = 50): ProgressReporter {
  let lastPost = 0;
  let pending: ProgressMessage | null = null;
  let lastPosted: ProgressMessage | null = null;
  let closed = false;
  const post = (msg: ProgressMessage) => {
    if (!port || closed) return;
    try {
      port.postMessage(msg);
      lastPosted = msg;
    } catch {
      // A closed or broken port must never fail an extraction.
    }
  };
  return {
    report(processed, total) {
      pending = { processed, total };
      const now = Date.now();
      if (now - lastPost >= intervalMs) {
        lastPost = now;
        post(pending);
        pending = null;
      }
    },
    async finish(final) {
      const last = final ?? pending;
      if (last && !(lastPosted && lastPosted.processed === last.processed && lastPosted.total === last.total)) post(last);
      pending = null;
      if (port && !closed) {
        closed = true;
        // close() completes asynchronously (in libuv's close phase), and
        // piscina blocks this thread in Atomics.wait between tasks: returning
        // right away would leave the main side without its 'close' event
        // until the next task. So wait for our own side's 'close' (bounded).
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 1000);
          port.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          try {
            port.close();
          } catch {
            clearTimeout(timer);
            resolve();
          }
        });
      }
    },
  };
}
