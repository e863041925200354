// The window's detail and search slices against a real engine and SQLite
// file, through its handlers and pushed events joined in-process (what the
// bridge carries): the open job follows its events, a deleted one says so,
// "no results" and a refused query stay apart, and a late answer never
// replaces a newer one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { createHandlers, dispatch, subscribeEvents } from '../../main/core/handlers.js';
import { createClient } from '../../shared/client.js';
import type { EventName, Transport } from '../../shared/contract.js';
import { createJobsStore } from '../../renderer/store/jobs.js';
import { sampleResult } from '../helpers/results.js';
import { OWNER } from '../helpers/store-states.js';
import { tempDir } from '../helpers/tmp.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
let engine: Engine;

beforeAll(() => {
  // Not started: the test moves the jobs itself, through the store, and the store announces each change.
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), pool: { filename: CHAOS, threads: 1 } });
});
afterAll(() => engine.close({ abort: true }));

function inProcess() {
  const handlers = createHandlers(engine, { transport: 'browser', version: '0.0.0-test', dbPath: 'q.db', exportsDir: path.join(dir, 'exports') });
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const push = (event: EventName, payload: unknown) => {
    for (const l of listeners.get(event) ?? []) l(structuredClone(payload));
  };
  const unsubscribe = subscribeEvents(engine, push);
  const gates = new Map<string, Promise<void>>();
  const transport: Transport = {
    kind: 'browser',
    async invoke(channel, input) {
      const reply = structuredClone(await dispatch(handlers, channel, input));
      const gate = gates.get(JSON.stringify(input));
      if (gate) await gate;
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
  /** Holds back the reply to one exact input until released. */
  const hold = (input: unknown) => {
    let release!: () => void;
    gates.set(JSON.stringify(input), new Promise<void>((r) => (release = r)));
    return release;
  };
  const store = createJobsStore(createClient(transport));
  const stop = store.getState().start();
  return { store, hold, close: () => (stop(), unsubscribe()) };
}

const until = async (what: () => boolean, ms = 10_000) => {
  const end = Date.now() + ms;
  while (!what()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

function runningJob(fileName: string): string {
  const [job] = engine.store.add([{ fileName, sourcePath: `/docs/${fileName}`, priority: 1_000_000 }]);
  engine.store.claim(1, Date.now(), 60_000, OWNER);
  return job!.id;
}

describe('the detail slice', () => {
  it('opens a job with its history and summary, follows its events, and says when it is deleted', async () => {
    const { store, close } = inProcess();
    try {
      const id = runningJob('report.txt');
      store.getState().openDetail(id);
      await until(() => store.getState().detail?.job?.status === 'running');
      expect(store.getState().detail!.events.map((e) => e.toStatus)).toEqual(['pending', 'running']);
      expect(store.getState().detail!.summary).toBeNull();

      engine.store.complete(id, sampleResult({ text: 'the quarterly report', pages: [{ number: 1, text: 'the quarterly report' }] }));
      await until(() => store.getState().detail?.job?.status === 'completed');
      // History and summary are read again once the status moved.
      await until(() => store.getState().detail?.summary !== null);
      expect(store.getState().detail!.events.map((e) => e.toStatus)).toEqual(['pending', 'running', 'completed']);
      expect(store.getState().detail!.summary).toMatchObject({ part: 'summary', format: 'text', chars: 20 });
      expect(await store.getState().readPart({ id, part: 'pages', offset: 0, limit: 1 })).toMatchObject({ total: 1, pages: [{ number: 1 }] });

      engine.store.delete(id);
      await until(() => store.getState().detail?.removed === true);
      expect(store.getState().detail!.job!.fileName).toBe('report.txt');

      store.getState().openDetail(null);
      expect(store.getState().detail).toBeNull();
    } finally {
      close();
    }
  });

  it('says why an unknown job cannot be shown, and lists a container with its files as they change', async () => {
    const { store, close } = inProcess();
    try {
      store.getState().openDetail('ffffffff');
      await until(() => store.getState().detail?.error !== null && store.getState().detail?.error !== undefined);
      expect(store.getState().detail!.error).toMatch(/ffffffff|not found|no job/i);

      const { batch, childIds } = engine.store.addBatch({ kind: 'batch', fileName: 'folder', priority: 1_000_000 }, [
        { fileName: 'a.txt', sourcePath: '/docs/a.txt', priority: 1_000_000 },
        { fileName: 'b.txt', sourcePath: '/docs/b.txt', priority: 0 },
      ]);
      engine.store.claim(1, Date.now(), 60_000, OWNER); // a.txt runs: the batch is running before the detail opens
      store.getState().openDetail(batch.id);
      await until(() => store.getState().detail?.children.length === 2);
      const child = (id: string) => store.getState().detail!.children.find((c) => c.id === id);
      // One file fails while the other still waits: the batch runs on, and its list shows the failure.
      engine.store.fail(childIds[0]!, { code: 'corrupt_file', message: 'broken' });
      await until(() => child(childIds[0]!)?.status === 'failed');
      expect(child(childIds[1]!)?.status).toBe('pending');
    } finally {
      close();
    }
  });
});

describe('the search slice', () => {
  it('tells no results from a refused query, and drops an answer the person has moved past', async () => {
    const { store, hold, close } = inProcess();
    try {
      const id = runningJob('ledger.txt');
      engine.store.complete(id, sampleResult({ text: 'granite and porphyry from the north quarry' }));

      store.getState().runSearch({ query: 'porphyry', limit: 20, offset: 0 });
      await until(() => store.getState().search?.loading === false);
      expect(store.getState().search!.result!.hits[0]).toMatchObject({ jobId: id, fileName: 'ledger.txt' });

      store.getState().runSearch({ query: 'basalt', limit: 20, offset: 0 });
      await until(() => store.getState().search?.loading === false);
      expect(store.getState().search).toMatchObject({ error: null, result: { total: 0, hits: [] } });

      store.getState().runSearch({ query: 'x'.repeat(1001), limit: 20, offset: 0 });
      await until(() => store.getState().search?.loading === false);
      expect(store.getState().search!.result).toBeNull();
      expect(store.getState().search!.error).toMatch(/1000/);

      // A slow answer to an older query arrives after the newer one: the newer stays.
      const slow = { query: 'granite', limit: 20, offset: 0 };
      const release = hold(slow);
      store.getState().runSearch(slow);
      store.getState().runSearch({ query: 'basalt', limit: 20, offset: 0 });
      await until(() => store.getState().search?.loading === false);
      release();
      await new Promise((r) => setTimeout(r, 50));
      expect(store.getState().search!.request.query).toBe('basalt');
      expect(store.getState().search!.result!.total).toBe(0);
    } finally {
      close();
    }
  });
});
