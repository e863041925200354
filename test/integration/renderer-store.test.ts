// The dashboard's zustand store against a real engine: its handlers and
// events joined in-process as a transport (what the preload and the bridge
// carry), with one channel's replies held back to reproduce a slow request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { createHandlers, dispatch, subscribeEvents } from '../../main/core/handlers.js';
import { createClient } from '../../shared/client.js';
import type { EventName, Transport } from '../../shared/contract.js';
import { createJobsStore } from '../../renderer/store/jobs.js';
import { tempDir } from '../helpers/tmp.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
const files = path.join(dir, 'files');
const FILES = 40;
let engine: Engine;

beforeAll(() => {
  mkdirSync(files, { recursive: true });
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(files, `f${i}.txt`), `file ${i}`);
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), pool: { filename: CHAOS, threads: 2 }, statsIntervalMs: 20 }).start();
});
afterAll(() => engine.close({ abort: true }));

/**
 * An in-process transport; `hold` lets a test keep one channel's replies back
 * (already computed) until released, `calls` counts the requests per channel,
 * and `push` delivers an event as the engine's would arrive.
 */
function inProcess() {
  const handlers = createHandlers(engine, { transport: 'browser', version: '0.0.0-test', dbPath: 'q.db', exportsDir: path.join(dir, 'exports') });
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const push = (event: EventName, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(structuredClone(payload));
  };
  const unsubscribe = subscribeEvents(engine, push);
  const calls = new Map<string, number>();
  let held: { channel: string; gate: Promise<void> } | undefined;
  const transport: Transport = {
    kind: 'browser',
    async invoke(channel, input) {
      calls.set(channel, (calls.get(channel) ?? 0) + 1);
      const reply = structuredClone(await dispatch(handlers, channel, input));
      if (held?.channel === channel) await held.gate;
      return reply;
    },
    on(event: EventName, listener) {
      if (!listeners.has(event)) listeners.set(event, new Set());
      listeners.get(event)!.add(listener);
      return () => listeners.get(event)!.delete(listener);
    },
    async filesToPaths() {
      throw new Error('not used');
    },
  };
  const hold = (channel: string) => {
    let release!: () => void;
    held = { channel, gate: new Promise<void>((r) => (release = r)) };
    return () => {
      held = undefined;
      release();
    };
  };
  return { transport, hold, calls, push, unsubscribe };
}

const until = async (what: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('the dashboard store', () => {
  it('a stats reply that arrives after newer pushed counts does not roll them back', async () => {
    const { transport, hold, unsubscribe } = inProcess();
    const store = createJobsStore(createClient(transport));
    // The first load's stats are computed now (nothing queued) and answered late.
    const release = hold('jobs.stats');
    const stop = store.getState().start();
    try {
      await transport.invoke('jobs.addPaths', { paths: [files] });
      await engine.drained();
      // Only pushed counts can get here while the first reply is held.
      await until(() => store.getState().stats?.byStatus.completed === FILES);
      release();
      await new Promise((r) => setTimeout(r, 100));
      expect(store.getState().stats?.byStatus.completed).toBe(FILES);
      expect(store.getState().stats?.byStatus.pending).toBe(0);

      // Listening, with no push in between (the engine is idle now): the
      // first load's reply is taken as it is.
      const again = createJobsStore(createClient(transport));
      const stopAgain = again.getState().start();
      await until(() => again.getState().stats !== null);
      stopAgain();
      expect(again.getState().stats).toEqual(engine.stats());
    } finally {
      release();
      stop();
      unsubscribe();
    }
  });

  it('a reload answered after a deletion does not bring the deleted job back', async () => {
    const { transport, hold, unsubscribe } = inProcess();
    const store = createJobsStore(createClient(transport));
    const stop = store.getState().start();
    let release = () => {};
    try {
      await until(() => store.getState().pages[0] !== undefined && store.getState().pages[0]!.length > 0);
      const id = store.getState().pages[0]![0]!;
      // The reload's lists are taken now, with the job in them, and answered after it is gone.
      release = hold('list.query');
      const reload = store.getState().refresh();
      await store.getState().act('delete', [id]);
      await until(() => !(id in store.getState().jobs));
      release();
      await reload;
      expect(store.getState().jobs[id]).toBeUndefined();
      expect(store.getState().errors).toEqual([]);
    } finally {
      release();
      stop();
      unsubscribe();
    }
  });

  it('a burst of jobs.added events reloads the windows once', async () => {
    const { transport, calls, push, unsubscribe } = inProcess();
    const store = createJobsStore(createClient(transport));
    const stop = store.getState().start();
    try {
      await until(() => store.getState().ready);
      const loads = calls.get('app.info')!;
      for (let i = 0; i < 5; i++) push('jobs.added', { count: 5000, parentId: null });
      await until(() => calls.get('app.info')! > loads);
      // Reloads scheduled apart would have been due by now too.
      await new Promise((r) => setTimeout(r, 100));
      expect(calls.get('app.info')).toBe(loads + 1);
    } finally {
      stop();
      unsubscribe();
    }
  });
  it('the list follows live changes under a filter: rows leave it as they finish, new ones enter, the total agrees', async () => {
    const { transport, unsubscribe } = inProcess();
    const store = createJobsStore(createClient(transport), { listView: { filter: { status: ['pending', 'running'] }, sort: { key: 'name', dir: 'asc' } } });
    const stop = store.getState().start();
    const rowIds = () => Object.values(store.getState().pages).flat();
    try {
      await until(() => store.getState().total !== null);
      const live = path.join(dir, 'live');
      mkdirSync(live, { recursive: true });
      for (let i = 0; i < 6; i++) writeFileSync(path.join(live, `live-${i}.txt`), `live ${i}`);
      engine.pause();
      await transport.invoke('jobs.addPaths', { paths: [live] });
      // New jobs enter the filtered list (sorted by name), without a reload asked for.
      await until(() => store.getState().total === 6 && rowIds().length === 6);
      expect(rowIds().map((id) => store.getState().jobs[id]!.fileName)).toEqual([0, 1, 2, 3, 4, 5].map((i) => `live-${i}.txt`));
      engine.resume();
      await engine.drained();
      // Finished, they leave it; the count follows.
      await until(() => store.getState().total === 0 && rowIds().length === 0);
      expect(store.getState().listError).toBeNull();
    } finally {
      engine.resume();
      stop();
      unsubscribe();
    }
  });
});
