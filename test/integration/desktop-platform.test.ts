/**
 * The desktop platform's two implementations where they touch the disk
 * (issue #14, acceptance 17): the browser bridge's "download the original"
 * route over real HTTP, and Electron main's open / reveal channels through
 * the real handlers, with the file manager recorded (the Electron binary is
 * not here; its glue only hands these paths to shell). A real engine, a real
 * SQLite file, real files.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startBridge, type Bridge } from '../../main/bridge.js';
import { Engine } from '../../main/core/engine.js';
import { createHandlers, dispatch, type Handlers } from '../../main/core/handlers.js';
import { DesktopActions } from '../../main/desktop/desktop-actions.js';
import { DesktopStateFile } from '../../main/desktop/desktop-state.js';
import { followEngine } from '../../main/desktop/follow-engine.js';
import type { BatchNotice, WorkProgress } from '../../shared/desktop-policy.js';
import { BRIDGE_ROUTES, ContractError } from '../../shared/contract.js';
import type { Job } from '../../shared/job.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir('quarry-desktop-');
const files = path.join(dir, 'files');
const exportsDir = path.join(dir, 'exports');
let engine: Engine;
let bridge: Bridge;
let desktop: Handlers;
let browser: Handlers;
const opened: string[] = [];
const shown: string[] = [];
const jobs: Record<string, Job> = {};

/** The original's bytes: not text, so a transcoding would show. */
const BYTES = Buffer.from([0x25, 0x50, 0x44, 0x46, 0x00, 0xff, 0xfe, 0x0a, 0x80, 0x7f]);

beforeAll(async () => {
  mkdirSync(files, { recursive: true });
  writeFileSync(path.join(files, 'rapport été.pdf'), BYTES);
  writeFileSync(path.join(files, 'gone.txt'), 'soon deleted');
  writeFileSync(path.join(files, 'moved.txt'), 'soon moved');
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), pool: { filename: CHAOS, threads: 1 }, statsIntervalMs: 10 }).start();
  engine.pause();
  const added = await engine.addPaths([files], {});
  for (const job of engine.list({ parentId: added.batch!.id })) jobs[job.fileName!] = job;
  jobs.batch = added.batch!;
  unlinkSync(path.join(files, 'gone.txt'));
  renameSync(path.join(files, 'moved.txt'), path.join(dir, 'moved.txt'));
  const fileManager = { openPath: async (p: string) => (opened.push(p), ''), showItemInFolder: (p: string) => void shown.push(p) };
  const state = new DesktopStateFile(path.join(dir, 'desktop.json'));
  const base = { version: '0.0.0-test', dbPath: 'q.db', exportsDir };
  desktop = createHandlers(engine, { ...base, transport: 'electron', platform: new DesktopActions(engine, fileManager, exportsDir, state) });
  browser = createHandlers(engine, { ...base, transport: 'browser' });
  bridge = await startBridge({
    engine,
    staticDir: path.join(dir, 'static'),
    intakeDir: path.join(dir, 'intake'),
    exportsDir,
    version: '0.0.0-test',
    dbPath: 'q.db',
  });
});
afterAll(async () => {
  await bridge?.close();
  await engine?.close({ abort: true });
});

async function refused(p: Promise<unknown>, kind: string, msg?: RegExp): Promise<void> {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ContractError);
  expect(err.kind).toBe(kind);
  if (msg) expect(err.message).toMatch(msg);
}

const original = (id: string, init: RequestInit = {}, auth = true) =>
  fetch(bridge.origin + BRIDGE_ROUTES.original + encodeURIComponent(id), {
    ...init,
    headers: auth ? { authorization: `Bearer ${bridge.token}` } : {},
  });

describe('browser: download the original (the bridge)', () => {
  it('serves the job’s own source file, byte for byte, as an attachment under the name the person gave it', async () => {
    const res = await original(jobs['rapport été.pdf']!.id);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="rapport _t_.pdf"; filename*=UTF-8''rapport%20%C3%A9t%C3%A9.pdf`);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await res.arrayBuffer()).equals(BYTES)).toBe(true);
    // HEAD answers the same, without the bytes (the window asks before it downloads).
    const head = await original(jobs['rapport été.pdf']!.id, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(BYTES.length));
  });

  it('needs the token', async () => {
    const res = await original(jobs['rapport été.pdf']!.id, {}, false);
    expect(res.status).toBe(401);
    expect((await res.json()).kind).toBe('unauthorized');
  });

  it('an unknown job is a 404; a path in place of the id opens nothing', async () => {
    for (const id of ['no-such-job', '/etc/passwd', '../../q.db', path.join(files, 'rapport été.pdf')]) {
      const res = await original(id);
      expect(res.status, id).toBe(404);
      expect((await res.json()).kind).toBe('not_found');
    }
  });

  it('a deleted or moved original says so clearly; a batch is not a file', async () => {
    const gone = await original(jobs['gone.txt']!.id);
    expect(gone.status).toBe(404);
    expect((await gone.json()).message).toBe(`The original file is no longer at ${path.join(files, 'gone.txt')}: it was moved or deleted.`);
    expect((await original(jobs['moved.txt']!.id)).status).toBe(404);
    const batch = await original(jobs.batch!.id);
    expect(batch.status).toBe(409);
    expect((await batch.json()).message).toMatch(/batch is not a file/);
  });
});

describe('Electron main: open and reveal by id only', () => {
  it('opens and reveals a job’s own source, by its real path', async () => {
    opened.length = shown.length = 0;
    const id = jobs['rapport été.pdf']!.id;
    expect(await dispatch(desktop, 'platform.openSource', { id })).toEqual({ done: true });
    expect(await dispatch(desktop, 'platform.revealSource', { id })).toEqual({ done: true });
    expect(opened).toEqual([path.join(files, 'rapport été.pdf')]);
    expect(shown).toEqual([path.join(files, 'rapport été.pdf')]);
  });

  it('refuses a path the window made up, whatever field it comes in, and opens nothing', async () => {
    opened.length = shown.length = 0;
    await refused(dispatch(desktop, 'platform.openSource', { path: '/etc/passwd' }), 'invalid_input');
    await refused(dispatch(desktop, 'platform.openSource', { id: jobs['rapport été.pdf']!.id, path: '/etc/passwd' }), 'invalid_input');
    await refused(dispatch(desktop, 'platform.openSource', { id: '/etc/passwd' }), 'not_found');
    await refused(dispatch(desktop, 'platform.revealSource', { id: '../../../../etc/passwd' }), 'not_found');
    await refused(dispatch(desktop, 'platform.revealExport', { exportId: '/etc/passwd' }), 'not_found', /did not write that export/);
    await refused(dispatch(desktop, 'platform.revealExport', { path: exportsDir }), 'invalid_input');
    // A deleted original, a batch: nothing to open.
    await refused(dispatch(desktop, 'platform.openSource', { id: jobs['gone.txt']!.id }), 'not_found', /no longer at/);
    await refused(dispatch(desktop, 'platform.revealSource', { id: jobs.batch!.id }), 'invalid_state');
    expect(opened).toEqual([]);
    expect(shown).toEqual([]);
  });

  it('reveals an export it wrote, by the id the export returned, while it is there', async () => {
    shown.length = 0;
    const out = (await dispatch(desktop, 'results.export', { format: 'jsonl' })) as { file: string; exportId?: string };
    expect(out.exportId).toMatch(/^[0-9a-f-]{36}$/);
    expect(await dispatch(desktop, 'platform.revealExport', { exportId: out.exportId })).toEqual({ done: true });
    expect(shown).toEqual([out.file]);
    rmSync(out.file);
    await refused(dispatch(desktop, 'platform.revealExport', { exportId: out.exportId }), 'not_found', /no longer in the exports folder/);
  });

  it('the browser version has no file manager: it says so and offers the download; its exports carry no id', async () => {
    await refused(dispatch(browser, 'platform.openSource', { id: jobs['rapport été.pdf']!.id }), 'invalid_state', /downloads the original/);
    await refused(dispatch(browser, 'platform.revealSource', { id: jobs['rapport été.pdf']!.id }), 'invalid_state');
    const out = (await dispatch(browser, 'results.export', { format: 'csv' })) as { exportId?: string };
    expect(out.exportId).toBeUndefined();
  });

  it('keeps the theme override and the notification setting in the data folder', async () => {
    expect(await dispatch(desktop, 'platform.prefs', { theme: 'dark' })).toEqual({ theme: 'dark', notifyBatches: true });
    expect(await dispatch(desktop, 'platform.prefs', { notifyBatches: false })).toEqual({ theme: 'dark', notifyBatches: false });
    await refused(dispatch(desktop, 'platform.prefs', { theme: 'purple' }), 'invalid_input');
    // The window's intake options, for files that arrive through main (menu, second launch, command line).
    const intake = { definition: 'extract', failureAction: 'stop_all', maxChildFailures: 3 };
    expect(await dispatch(desktop, 'platform.prefs', { intake })).toEqual({ theme: 'dark', notifyBatches: false, intake });
    await refused(dispatch(desktop, 'platform.prefs', { intake: { ...intake, failureAction: 'explode' } }), 'invalid_input');
    await refused(dispatch(desktop, 'platform.prefs', { intake: { ...intake, path: '/etc' } }), 'invalid_input');
    expect(JSON.parse(readFileSync(path.join(dir, 'desktop.json'), 'utf8'))).toMatchObject({ theme: 'dark', notifyBatches: false, intake });
  });
});

describe('Electron main follows the engine: taskbar progress and one notification per batch (acceptance 18, 19)', () => {
  it('from the engine’s own events: the batch already queued is followed, announced once when it ends, and the bar cleared', async () => {
    const progress: WorkProgress[] = [];
    const notices: BatchNotice[] = [];
    let focused = false;
    const { stop } = followEngine(engine, { showProgress: (p) => progress.push(p), notify: (n) => notices.push(n) }, () => ({
      enabled: true,
      permitted: true,
      focused,
    }));
    try {
      // Queued at start (the paused batch of three): 0% shown at once.
      expect(progress[0]).toEqual({ fraction: 0, failed: 0 });
      engine.resume();
      await engine.drained();
      await until(() => notices.length > 0);
      expect(notices).toHaveLength(1);
      expect(notices[0]!.batchId).toBe(jobs.batch!.id);
      expect(notices[0]!.body).toMatch(/^\d+ files? extracted/);
      expect(progress.at(-1)).toEqual({ fraction: null, failed: 0 });
      // A second batch finishing while the window is in front: no notification.
      focused = true;
      writeFileSync(path.join(dir, 'x.txt'), 'x');
      writeFileSync(path.join(dir, 'y.txt'), 'y');
      await engine.addPaths([path.join(dir, 'x.txt'), path.join(dir, 'y.txt')], { batch: 'always' });
      await engine.drained();
      await new Promise((r) => setTimeout(r, 100));
      expect(notices).toHaveLength(1);
    } finally {
      stop();
    }
  });
});
