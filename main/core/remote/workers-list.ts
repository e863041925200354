/**
 * The Workers view's list: the owner's own pool first, then every remote
 * worker that wrote a heartbeat, each with its extractor versions compared
 * to the owner's (a worker on another release may extract differently).
 */
import { hostname } from 'node:os';
import type { WorkerInfo, WorkersList } from '../../../shared/workers.js';
import type { ExtractionService } from '../pool.js';
import { redact } from './connection.js';
import type { Remote } from './owner.js';
import { isAlive } from './registry.js';

export interface WorkersListDeps {
  version: string;
  local: ExtractionService | undefined;
  localThreads: number;
  /** Jobs running now (the scheduler's); those not dispatched ran locally. */
  running: string[];
  localDone: number;
  localFailed: number;
  remote: Remote | undefined;
  redisUrl: string | undefined;
}

export async function listWorkers(d: WorkersListDeps): Promise<WorkersList> {
  const owned = d.local ? await d.local.extractorVersions() : {};
  const remoteIds = new Set(d.remote?.dispatcher.flightIds ?? []);
  const local: WorkerInfo = {
    name: 'local',
    kind: 'local',
    host: hostname(),
    threads: d.localThreads,
    version: d.version,
    extractorVersions: owned,
    versionMismatch: false,
    running: d.running.filter((id) => !remoteIds.has(id)),
    heartbeatAgeMs: 0,
    alive: true,
    done: d.localDone,
    failed: d.localFailed,
  };
  const now = Date.now();
  const remote: WorkerInfo[] = (d.remote?.registry.workers ?? []).map((b) => ({
    name: b.name,
    kind: 'remote',
    host: b.host,
    threads: b.threads,
    version: b.version,
    extractorVersions: b.extractorVersions,
    versionMismatch: differs(owned, b.extractorVersions),
    running: b.running,
    heartbeatAgeMs: Math.max(0, now - b.at),
    alive: isAlive(b, now),
    done: b.done,
    failed: b.failed,
  }));
  return { redis: d.redisUrl ? redact(d.redisUrl) : null, workers: [local, ...remote] };
}

/** An extractor the owner has in another version (one the owner lacks is not compared). */
function differs(owned: Record<string, string>, theirs: Record<string, string>): boolean {
  if (!Object.keys(owned).length) return false;
  return Object.entries(theirs).some(([name, v]) => owned[name] !== undefined && owned[name] !== v);
}
