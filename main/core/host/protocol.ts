/**
 * What crosses the boundary between the engine and the extraction host
 * process: paths, options, small results, progress and cancel. Big results
 * (full texts, archive entries) go through the spool, as with threads.
 *
 * Messages travel in arrays: everything one side has to say in a turn of its
 * event loop goes as one IPC message, so a thousand small files a second do
 * not cost a thousand system calls each way.
 */
import type { ExtractTask, ProgressMessage, SerializedError, WorkerOutcome } from '../../../shared/extraction.js';

/** The pool's settings, sent once when the host starts. */
export interface HostInit {
  /** The worker bundle the host's threads run. */
  workerFile?: string;
  threads: number;
  maxHeapMb?: number;
  grouping?: boolean;
}

export type ToHost =
  | { t: 'init'; init: HostInit }
  | { t: 'run'; id: number; task: ExtractTask; timeoutMs?: number; small?: boolean; progress?: boolean }
  | { t: 'hash'; id: number; path: string }
  | { t: 'versions'; id: number }
  | { t: 'cancel'; id: number }
  | { t: 'resize'; threads: number }
  /** Finish what runs, then exit. */
  | { t: 'close' };

export type FromHost =
  | { t: 'ready'; pid: number }
  | {
      t: 'done';
      id: number;
      outcome: WorkerOutcome | { ok: true; sha256: string } | { ok: true; versions: Record<string, string> };
      /** The result's markdown is its text, sent once (see packOutcome). */
      markdownIsText?: true;
    }
  | { t: 'fail'; id: number; error: SerializedError }
  | { t: 'progress'; id: number; progress: ProgressMessage }
  /** Something the host's pool reported outside any task. */
  | { t: 'error'; message: string }
  /** The host is alive (sent every HEARTBEAT_MS): a host that stops answering is killed and restarted. */
  | { t: 'alive' };

export const HEARTBEAT_MS = 1000;

/**
 * A result whose markdown is its text (a plain text file's) travels with the
 * text once, and the engine puts it back (unpackOutcome): with small text
 * files the markdown was 40% of every message's bytes, parsed by the engine's
 * thread, which is the one that limits how fast small files go.
 */
export function packOutcome(id: number, outcome: WorkerOutcome): Extract<FromHost, { t: 'done' }> {
  if (!outcome.ok || !outcome.result.text || outcome.result.markdown !== outcome.result.text) return { t: 'done', id, outcome };
  return { t: 'done', id, outcome: { ...outcome, result: { ...outcome.result, markdown: '' } }, markdownIsText: true };
}

/** The outcome as the host's pool gave it (see packOutcome). */
export function unpackOutcome(m: Extract<FromHost, { t: 'done' }>): Extract<FromHost, { t: 'done' }>['outcome'] {
  if (m.markdownIsText && 'result' in m.outcome) m.outcome.result.markdown = m.outcome.result.text;
  return m.outcome;
}
