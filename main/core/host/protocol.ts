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
  | { t: 'done'; id: number; outcome: WorkerOutcome | { ok: true; sha256: string } | { ok: true; versions: Record<string, string> } }
  | { t: 'fail'; id: number; error: SerializedError }
  | { t: 'progress'; id: number; progress: ProgressMessage }
  /** Something the host's pool reported outside any task. */
  | { t: 'error'; message: string }
  /** The host is alive (sent every HEARTBEAT_MS): a host that stops answering is killed and restarted. */
  | { t: 'alive' };

export const HEARTBEAT_MS = 1000;
