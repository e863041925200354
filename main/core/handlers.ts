/**
 * The contract's handlers: plain functions from validated input to output.
 * Both transports (Electron IPC and the browser bridge) call `dispatch`, and
 * tests call it directly, with no transport at all.
 */
import path from 'node:path';
import { channels, ContractError, isChannel, parseInput, type Channel, type ErrorKind, type EventPayload, type Output } from '../../shared/contract.js';
import type { Job } from '../../shared/job.js';
import type { DesktopPrefs, PlatformActions } from '../../shared/platform.js';
import { ExtractionError } from '../../shared/extraction.js';
import { EngineError, type EngineErrorCode } from './errors.js';
import type { Engine } from './engine.js';
import { FolderGrants } from './folder-grants.js';
import { hideSecrets } from './secrets.js';
import { COALESCE_MS, EventCoalescer, type Push } from './event-coalescer.js';
import { z } from 'zod';

export interface HandlerEnv {
  transport: 'electron' | 'browser';
  version: string;
  dbPath: string;
  /** Where exports go when no folder is picked; the only place the browser may export to (it downloads from here). */
  exportsDir: string;
  /** A native folder dialog; absent in the browser. Each folder it returns becomes a one-use handle for results.export. */
  chooseFolder?: () => Promise<string | null>;
  /** The desktop's side of the platform (Electron main: main/desktop/electron-platform.ts); absent in the browser, which downloads instead. */
  platform?: PlatformHost;
}

/** What the platform channels need from main: the actions by id, the exports it may reveal, the preferences it applies. */
export interface PlatformHost extends Pick<PlatformActions, 'openSource' | 'revealSource' | 'revealExport'> {
  /** Remembers an export this app has just written; returns the id the window may reveal it by. */
  recordExport(file: string): string;
  setPrefs(prefs: Partial<DesktopPrefs>): DesktopPrefs;
}

/** The browser has no file manager to show a file in: it offers a download of the original instead. */
function desktopOnly(env: HandlerEnv): PlatformHost {
  if (env.platform) return env.platform;
  throw new ContractError(
    'invalid_state',
    'Only the desktop app opens files and shows them in their folder; the browser version downloads the original instead.',
  );
}

type HandlerInput<C extends Channel> = z.output<(typeof channels)[C]['input']>;
export type Handlers = { [C in Channel]: (input: HandlerInput<C>) => Promise<Output<C>> | Output<C> };

function bulk(ids: readonly string[], op: (id: string) => Job) {
  const jobs: Job[] = [];
  const errors: Array<{ id: string; message: string }> = [];
  for (const id of ids) {
    try {
      jobs.push(op(id));
    } catch (err) {
      errors.push({ id, message: (err as Error).message });
    }
  }
  return { jobs, errors };
}

/** The folder an export may write to: the exports folder, or the one a live dialog handle points to. */
function exportFolder(env: HandlerEnv, grants: FolderGrants, handle: string | undefined): string {
  if (handle === undefined) return env.exportsDir;
  if (!env.chooseFolder) throw new ContractError('invalid_input', 'This version exports to its own exports folder only; it has no folder to choose.');
  const folder = grants.take(handle);
  if (!folder) throw new ContractError('invalid_input', 'That export folder was not just picked in the dialog (or was already used): choose it again.');
  return folder;
}

export function createHandlers(engine: Engine, env: HandlerEnv): Handlers {
  const grants = new FolderGrants();
  return {
    'app.info': () => ({
      version: env.version,
      transport: env.transport,
      dbPath: env.dbPath,
      concurrency: engine.concurrency,
      paused: engine.isPaused,
      canChooseFolder: !!env.chooseFolder,
    }),
    'jobs.list': (filter) => engine.list(filter),
    'jobs.get': ({ id }) => {
      const job = engine.get(id);
      return { job, events: engine.history(job.id) };
    },
    'jobs.stats': () => engine.stats(),
    'stats.overview': () => engine.statsOverview(),
    'workers.list': () => engine.workers(env.version),
    'jobs.addPaths': async ({ paths, ...opts }) => {
      const { batch, count, jobs, rejected } = await engine.addPaths(paths, { ...opts, source: env.transport === 'electron' ? 'app' : 'browser' });
      return { added: count, batch, jobs, rejected };
    },
    'jobs.retry': ({ ids }) => bulk(ids, (id) => engine.retry(id)),
    'jobs.retryWithPassword': ({ id, password }) => engine.retryWithPassword(id, password),
    'jobs.cancel': ({ ids }) => bulk(ids, (id) => engine.cancel(id)),
    'jobs.delete': ({ ids }) => bulk(ids, (id) => engine.delete(id)),
    'engine.setConcurrency': ({ concurrency }) => {
      engine.setConcurrency(concurrency);
      return { concurrency: engine.concurrency };
    },
    'engine.pause': () => (engine.pause(), { paused: true as const }),
    'engine.resume': () => (engine.resume(), { paused: false as const }),
    'jobs.rerun': ({ ids }) => bulk(ids, (id) => engine.rerun(id)),
    'jobs.setPriority': ({ id, priority }) => engine.setPriority(id, priority),
    'jobs.bulk': ({ action, filter }) => {
      const r = engine.bulk(action, filter);
      return { done: r.done.length, errors: r.errors.slice(0, 1000) };
    },
    'list.query': (q) => engine.query(q),
    'list.ids': (q) => engine.queryIds(q),
    'list.bulk': ({ action, target }) => engine.bulkList(action, target),
    'jobs.rerunOutdated': async () => ({ count: (await engine.rerunOutdated()).length }),
    'jobs.prune': ({ olderThanMs, statuses }) => ({ deleted: engine.prune(Date.now() - olderThanMs, statuses) }),
    'settings.remote': (input) => engine.remoteSettings(input),
    'settings.retention': ({ days }) => {
      if (days !== undefined) engine.setSetting('retention.days', days);
      const current = engine.setting('retention.days');
      return { days: typeof current === 'number' ? current : 0 };
    },
    'batches.progress': ({ id }) => engine.batchProgress(id),
    'batches.pause': ({ id }) => engine.pauseBatch(id),
    'batches.resume': ({ id }) => engine.resumeBatch(id),
    'definitions.list': () => engine.definitions.list(),
    'definitions.save': ({ definition }) => engine.definitions.save(definition),
    'watches.list': () => engine.watches.list(),
    'watches.add': ({ path: folder, debounceMs, definition }) =>
      engine.watches.add(folder, { ...(debounceMs !== undefined ? { debounceMs } : {}), jobOptions: definition ? { definition } : {} }),
    'watches.remove': async ({ path: folder }) => {
      await engine.watches.remove(folder);
      return { removed: true as const };
    },
    'schedules.list': () => engine.schedules.list(),
    'schedules.add': ({ name, cron, paths, definition }) => engine.schedules.add({ name, cron, paths, jobOptions: definition ? { definition } : {} }),
    'schedules.setEnabled': ({ name, enabled }) => engine.schedules.setEnabled(name, enabled),
    'schedules.remove': ({ name }) => {
      engine.schedules.remove(name);
      return { removed: true as const };
    },
    'dialog.chooseFolder': async () => {
      const folder = env.chooseFolder ? await env.chooseFolder() : null;
      return { path: folder, handle: folder ? grants.issue(folder) : null };
    },
    'results.export': async ({ format, folder, filter, chunking }) => {
      if (chunking && format !== 'chunks') throw new ContractError('invalid_input', 'A chunk size goes with the chunks format');
      // Without a chosen folder the file is downloaded, and a browser downloads one file, not a folder.
      const markdownLayout = folder === undefined ? 'combined' : 'folder';
      const s = await engine.exportTo(exportFolder(env, grants, folder), format, { filter, markdownLayout, ...(chunking ? { chunking } : {}) });
      const exportId = env.platform?.recordExport(s.file);
      return { file: s.file, fileName: path.basename(s.file), format, jobs: s.jobs, bytes: s.bytes, ...(exportId ? { exportId } : {}) };
    },
    'results.search': (q) => engine.search(q),
    'results.get': (q) => engine.resultPart(q),
    'platform.openSource': async ({ id }) => (await desktopOnly(env).openSource(id), { done: true as const }),
    'platform.revealSource': async ({ id }) => (await desktopOnly(env).revealSource(id), { done: true as const }),
    'platform.revealExport': async ({ exportId }) => (await desktopOnly(env).revealExport(exportId), { done: true as const }),
    'platform.prefs': (prefs) => desktopOnly(env).setPrefs(prefs),
  };
}

/**
 * The boundary: checks the channel, validates the input, runs the handler and
 * maps every failure to a ContractError a person can read.
 */
export async function dispatch(handlers: Handlers, channel: unknown, rawInput: unknown): Promise<unknown> {
  if (!isChannel(channel)) throw new ContractError('unknown_channel', `Unknown channel: ${String(channel).slice(0, 100)}`);
  const input = parseInput(channel, rawInput);
  try {
    // A job's secret options (its password) stay in the core: the window gets them hidden.
    return hideSecrets(await (handlers[channel] as (i: unknown) => unknown)(input));
  } catch (err) {
    throw contractErrorOf(err);
  }
}

/** The contract's error kind for each of the engine's refusals (errors.ts). */
const KIND_OF: Record<EngineErrorCode, ErrorKind> = {
  job_not_found: 'not_found',
  not_found: 'not_found',
  invalid_transition: 'invalid_state',
  invalid_input: 'invalid_input',
};

/** A handler's failure as the contract says it: by the error's class and code, never its message. */
function contractErrorOf(err: unknown): ContractError {
  if (err instanceof ContractError) return err;
  if (err instanceof EngineError) return new ContractError(KIND_OF[err.code], err.message);
  // A definition that does not exist or does not validate: the caller named or sent it.
  if (err instanceof ExtractionError && err.code === 'invalid_definition') return new ContractError('invalid_input', err.message);
  return new ContractError('internal', (err as Error)?.message ?? String(err));
}

/**
 * The engine's events as contract events: what both transports push. Job
 * events are coalesced (event-coalescer.ts): at most one push of a job's
 * latest state per ~100 ms; the unsubscribe sends what is still pending.
 */
export function subscribeEvents(engine: Engine, push: Push, intervalMs = COALESCE_MS): () => void {
  const out = new EventCoalescer(push, intervalMs);
  const onJob = (job: Job) => out.add('job.changed', hideSecrets(job));
  const onRemoved = (id: string) => out.add('job.removed', { id });
  const onAdded = (a: EventPayload<'jobs.added'>) => out.add('jobs.added', a);
  const onProgress = (p: EventPayload<'job.progress'>) => out.add('job.progress', p);
  const onStats = (s: EventPayload<'stats.changed'>) => out.add('stats.changed', s);
  const onSwitches = (s: EventPayload<'engine.changed'>) => out.add('engine.changed', s);
  engine.on('job', onJob);
  engine.on('jobRemoved', onRemoved);
  engine.on('jobsAdded', onAdded);
  engine.on('progress', onProgress);
  engine.on('stats', onStats);
  engine.on('switches', onSwitches);
  return () => {
    engine.off('job', onJob);
    engine.off('jobRemoved', onRemoved);
    engine.off('jobsAdded', onAdded);
    engine.off('progress', onProgress);
    engine.off('stats', onStats);
    engine.off('switches', onSwitches);
    out.flush();
  };
}
