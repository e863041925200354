/**
 * Remote workers, from the owner's side, assembled: the dispatcher (tasks to
 * BullMQ, outcomes back), the registry of live workers, and the split pool
 * the engine's extract step uses. The engine calls `startRemote` when it is
 * given a Redis URL (`quarry run --redis`, `npm run serve` with the setting,
 * or the engine option `remote`).
 */
import { mkdirSync } from 'node:fs';
import type { JobStore } from '../store/job-store.js';
import type { ExtractionService } from '../pool.js';
import { redisConfig } from './connection.js';
import { RemoteDispatcher } from './dispatcher.js';
import { WorkerRegistry } from './registry.js';
import { SplitPool } from './split-pool.js';
import { startFileEndpoint, type FileEndpoint } from './file-endpoint.js';
import { placeSpoolMarker } from './spool-marker.js';

export interface RemoteOptions {
  /** redis://host:6379, or rediss://:password@host:6380 for TLS with a password. */
  redis: string;
  /** Local threads that extract too (default: the engine's threads; 0 sends everything to workers). */
  localThreads?: number;
  /** Key prefix in Redis (default "quarry"): several installations may share one Redis. */
  prefix?: string;
  /** How long a dead worker's task waits before it runs elsewhere (BullMQ lock; default 10 s). */
  lockMs?: number;
  /**
   * Serve files to workers that cannot see the owner's paths (file-endpoint.ts):
   * the worker token, where to listen, and the URL workers reach it by
   * (default: the address it listens on).
   */
  files?: { token: string; host?: string; port?: number; advertise?: string };
}

export interface Remote {
  pool: SplitPool;
  dispatcher: RemoteDispatcher;
  registry: WorkerRegistry;
  /** Which worker ran each job's latest remote attempt (the Workers view, `quarry show`). */
  ranBy: Map<string, string>;
  /** Resolves once the file endpoint listens (at once without one). */
  files: Promise<FileEndpoint | undefined>;
  close(): Promise<void>;
}

export function startRemote(
  opts: RemoteOptions,
  deps: { local: ExtractionService; localThreads: number; store: JobStore; spoolRoot: string; onError: (e: Error) => void; onCapacity: () => void },
): Remote {
  const config = redisConfig(opts.redis, opts.prefix);
  // A worker on this machine or on a share writes into the spool folder when it sees its root (spool-upload.ts).
  mkdirSync(deps.spoolRoot, { recursive: true });
  const ranBy = new Map<string, string>();
  const dispatcher = new RemoteDispatcher({
    redis: config,
    lockMs: opts.lockMs,
    onError: once(deps.onError),
    isWanted: (id) => {
      const job = deps.store.get(id);
      return job?.status === 'pending' || job?.status === 'running';
    },
    threads: (): number => registry.liveThreads,
    onRanBy: (id, worker) => {
      ranBy.set(id, worker);
      if (ranBy.size > 100_000) ranBy.delete(ranBy.keys().next().value!);
    },
  });
  const registry: WorkerRegistry = new WorkerRegistry(dispatcher.redis, config.prefix, deps.onCapacity);
  const pool = new SplitPool({
    local: deps.local,
    localThreads: opts.localThreads ?? deps.localThreads,
    remote: dispatcher,
    remoteThreads: () => registry.liveThreads,
    remoteWorkers: () => registry.liveWorkers,
  });
  // Proves to a worker that it sees this spool folder (not a folder of its own at the same path).
  const marker = placeSpoolMarker(deps.spoolRoot);
  pool.spoolMarker = marker.name;
  const files = opts.files ? startFiles(opts.files, deps, pool, (id) => dispatcher.attemptOf(id)) : Promise.resolve(undefined);
  return {
    pool,
    dispatcher,
    registry,
    ranBy,
    files,
    async close() {
      registry.close();
      await dispatcher.close();
      await (await files)?.close();
      marker.remove();
    },
  };
}

/** The endpoint listens in the background; tasks carry its URL once it does. */
function startFiles(
  o: NonNullable<RemoteOptions['files']>,
  { store, spoolRoot, onError }: Parameters<typeof startRemote>[1],
  pool: SplitPool,
  attempt: (jobId: string) => string | undefined,
) {
  return startFileEndpoint({ store, spoolRoot, token: o.token, attempt, ...(o.host ? { host: o.host } : {}), ...(o.port ? { port: o.port } : {}) }).then(
    (endpoint) => {
      pool.filesUrl = o.advertise ?? endpoint.url;
      return endpoint;
    },
    (e: Error) => {
      onError(new Error(`The file endpoint for workers could not start: ${e.message}`));
      return undefined;
    },
  );
}

/**
 * While Redis is away, every client reports every failed reconnect: one
 * line per message and 30 s is enough for a person to see it.
 */
function once(onError: (e: Error) => void, quietMs = 30_000): (e: Error) => void {
  const said = new Map<string, number>();
  return (e) => {
    const now = Date.now();
    if (now - (said.get(e.message) ?? -Infinity) < quietMs) return;
    said.set(e.message, now);
    if (said.size > 100) said.delete(said.keys().next().value!);
    onError(new Error(`Redis (remote workers): ${e.message}`));
  };
}
