/**
 * The extraction host: the process that runs the piscina pool, apart from the
 * process that holds the user's work (the job store, the scheduler, the
 * window). A parser that aborts V8 (a fatal error, a native crash) takes down
 * this process only; the engine notices, restarts it and charges the death
 * to the file that caused it (see client.ts).
 *
 * Started by the engine as a plain Node child process, or in Electron as a
 * utility process; it speaks the same messages to both (protocol.ts).
 */
import { ExtractionError, type SerializedError } from '../../../shared/extraction.js';
import { ExtractionPool } from '../pool.js';
import { HEARTBEAT_MS, packOutcome, type FromHost, type HostInit, type ToHost } from './protocol.js';

/** Electron's utility process has a parentPort; a Node child process has process.send. */
interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

const parentPort = (process as unknown as { parentPort?: ParentPort }).parentPort;

let outbox: FromHost[] = [];
let flushQueued = false;

function post(message: FromHost): void {
  outbox.push(message);
  if (flushQueued) return;
  flushQueued = true;
  setImmediate(flush);
}

function flush(): void {
  flushQueued = false;
  const batch = outbox;
  outbox = [];
  if (parentPort) parentPort.postMessage(batch);
  else process.send?.(batch);
}

function serialize(err: unknown): SerializedError {
  if (err instanceof ExtractionError) return { code: err.code, message: err.message, details: err.details };
  return { code: 'internal', message: `The extraction host failed: ${(err as Error)?.message ?? String(err)}` };
}

let pool: ExtractionPool | undefined;
const running = new Map<number, AbortController>();

function track<T>(id: number, work: (signal: AbortSignal) => Promise<T>, wrap: (value: T) => FromHost): void {
  const controller = new AbortController();
  running.set(id, controller);
  work(controller.signal)
    .then(
      (value) => post(wrap(value)),
      (err) => post({ t: 'fail', id, error: serialize(err) }),
    )
    .finally(() => running.delete(id));
}

function start(init: HostInit): void {
  pool = new ExtractionPool({
    ...(init.workerFile ? { filename: init.workerFile } : {}),
    threads: init.threads,
    ...(init.maxHeapMb ? { maxHeapMb: init.maxHeapMb } : {}),
    grouping: init.grouping,
    onError: (err) => post({ t: 'error', message: err.message }),
  });
  post({ t: 'ready', pid: process.pid });
}

function handle(m: ToHost): void {
  if (m.t === 'init') return start(m.init);
  if (!pool) throw new Error(`The extraction host got "${m.t}" before "init".`);
  const p = pool;
  switch (m.t) {
    case 'run':
      return track(
        m.id,
        (signal) =>
          p.run(m.task, {
            signal,
            small: m.small,
            ...(m.timeoutMs ? { timeoutMs: m.timeoutMs } : {}),
            ...(m.progress ? { onProgress: (progress) => post({ t: 'progress', id: m.id, progress }) } : {}),
          }),
        (outcome) => packOutcome(m.id, outcome),
      );
    case 'hash':
      return track(
        m.id,
        (signal) => p.hash(m.path, signal),
        (sha256) => ({ t: 'done', id: m.id, outcome: { ok: true, sha256 } }),
      );
    case 'versions':
      return track(
        m.id,
        () => p.extractorVersions(),
        (versions) => ({ t: 'done', id: m.id, outcome: { ok: true, versions } }),
      );
    case 'cancel':
      running.get(m.id)?.abort();
      return;
    case 'resize':
      return p.resize(m.threads);
    case 'close':
      // Running tasks finish; then the process ends by itself.
      void p.close().finally(() => {
        flush();
        process.exit(0);
      });
      return;
  }
}

function receive(batch: unknown): void {
  for (const m of batch as ToHost[]) {
    try {
      handle(m);
    } catch (err) {
      post({ t: 'error', message: (err as Error).message });
    }
  }
}

if (parentPort) parentPort.on('message', (e) => receive(e.data));
else process.on('message', receive);
// Ctrl-C in a terminal reaches the whole process group: the engine decides
// what stops, and a host killed by it would look like a crash.
process.on('SIGINT', () => undefined);
// The engine is gone (its end of the channel closed): nothing left to work for.
process.on('disconnect', () => process.exit(0));
setInterval(() => post({ t: 'alive' }), HEARTBEAT_MS).unref();
