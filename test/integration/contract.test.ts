// The contract's boundary in both transports: the handlers called directly,
// the Electron IPC registration (with a recording stand-in for ipcMain, as
// the Electron binary is not here), and the browser bridge over real HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { createHandlers, dispatch, type Handlers } from '../../main/core/handlers.js';
import { registerIpc } from '../../main/ipc.js';
import { APP_URL, isAllowedNavigation, isTrustedSender, type Envelope } from '../../main/ipc-policy.js';
import { startBridge, type Bridge } from '../../main/bridge.js';
import { sanitizeRelative } from '../../shared/names.js';
import { ContractError } from '../../shared/contract.js';
import { tempDir } from '../helpers/tmp.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const dir = tempDir();
let engine: Engine;
let handlers: Handlers;
const files = path.join(dir, 'files');

beforeAll(() => {
  mkdirSync(files, { recursive: true });
  writeFileSync(path.join(files, 'a.txt'), 'alpha');
  writeFileSync(path.join(files, 'b.txt'), 'beta');
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), pool: { filename: CHAOS, threads: 1 }, statsIntervalMs: 10 }).start();
  handlers = createHandlers(engine, { transport: 'browser', version: '0.0.0-test', dbPath: 'q.db', exportsDir: path.join(dir, 'exports') });
});
afterAll(() => engine.close({ abort: true }));

async function rejects(p: Promise<unknown>, kind: string, msg?: RegExp) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ContractError);
  expect(err.kind).toBe(kind);
  if (msg) expect(err.message).toMatch(msg);
  return err as ContractError;
}

describe('handlers: the boundary without transport', () => {
  it('refuses unknown channels', async () => {
    await rejects(dispatch(handlers, 'jobs.dropTables', {}), 'unknown_channel', /Unknown channel/);
    await rejects(dispatch(handlers, '__proto__', {}), 'unknown_channel');
    await rejects(dispatch(handlers, 42, {}), 'unknown_channel');
  });

  it('refuses wrong types, unknown keys and huge arrays with readable issues', async () => {
    const e = await rejects(dispatch(handlers, 'jobs.addPaths', { paths: 'a.txt' }), 'invalid_input', /paths/);
    expect(e.issues?.[0]?.path).toBe('paths');
    await rejects(dispatch(handlers, 'jobs.list', { limit: 'ten' }), 'invalid_input');
    await rejects(dispatch(handlers, 'jobs.list', { evil: 1 }), 'invalid_input', /evil|Unrecognized/i);
    await rejects(dispatch(handlers, 'jobs.addPaths', { paths: Array(10_001).fill('/x') }), 'invalid_input');
    await rejects(dispatch(handlers, 'jobs.retry', { ids: [] }), 'invalid_input');
    await rejects(dispatch(handlers, 'engine.setConcurrency', { concurrency: 0 }), 'invalid_input');
    await rejects(dispatch(handlers, 'results.export', { format: 'xlsx' }), 'invalid_input');
    // The chunks export's size: an overlap as large as the chunk, or a size given to another format, is refused.
    await rejects(dispatch(handlers, 'results.export', { format: 'chunks', chunking: { size: 100, overlap: 100 } }), 'invalid_input', /overlap/);
    await rejects(dispatch(handlers, 'results.export', { format: 'jsonl', chunking: { size: 100 } }), 'invalid_input', /chunks format/);
    await rejects(dispatch(handlers, 'jobs.retryWithPassword', { id: 'ffffffff', password: '' }), 'invalid_input');
  });

  it('adds paths, reports rejected ones, and maps state errors', async () => {
    const r = (await dispatch(handlers, 'jobs.addPaths', { paths: [files, path.join(dir, 'missing.pdf')] })) as any;
    expect(r.added).toBe(2);
    expect(r.rejected).toEqual([{ path: path.join(dir, 'missing.pdf'), reason: 'does not exist' }]);
    await engine.drained();
    const id = r.jobs[0].id;
    const bulk = (await dispatch(handlers, 'jobs.cancel', { ids: [id] })) as any;
    expect(bulk.jobs).toEqual([]);
    expect(bulk.errors[0].message).toMatch(/Cannot cancel .* it is completed/);
    await rejects(dispatch(handlers, 'jobs.get', { id: 'ffffffff' }), 'not_found');
  });
});

describe('handlers: the engine features of the contract', () => {
  it('definitions: list, save, and refuse unknown steps as invalid input', async () => {
    const list = (await dispatch(handlers, 'definitions.list', {})) as any[];
    expect(list.map((d) => d.name)).toContain('extract-clean');
    const saved = (await dispatch(handlers, 'definitions.save', { definition: { name: 'mine', steps: [{ type: 'extract' }] } })) as any;
    expect(saved).toMatchObject({ name: 'mine', version: 1 });
    await rejects(
      dispatch(handlers, 'definitions.save', { definition: { name: 'bad', steps: [{ type: 'fly' }] } }),
      'invalid_input',
      /Unknown step type "fly"/,
    );
  });

  it('batches: a folder becomes a batch with progress; bulk actions by filter', async () => {
    const r = (await dispatch(handlers, 'jobs.addPaths', { paths: [files], failureAction: 'mark_warning' })) as any;
    expect(r.batch).toMatchObject({ kind: 'batch', failureAction: 'mark_warning', total: 2 });
    await engine.drained();
    const p = (await dispatch(handlers, 'batches.progress', { id: r.batch.id })) as any;
    expect(p).toMatchObject({ progress: 1, counts: { completed: 2 } });
    const b = (await dispatch(handlers, 'jobs.bulk', { action: 'rerun', filter: { parentId: r.batch.id } })) as any;
    expect(b).toEqual({ done: 2, errors: [] });
    await engine.drained();
    await rejects(dispatch(handlers, 'jobs.bulk', { action: 'explode', filter: {} }), 'invalid_input');
  });

  it('delays, retention and dead letters through the contract', async () => {
    const later = Date.now() + 3_600_000;
    const r = (await dispatch(handlers, 'jobs.addPaths', { paths: [path.join(files, 'a.txt')], runAt: later, batch: 'never' })) as any;
    expect(r.jobs[0]).toMatchObject({ runAt: later, status: 'pending' });
    expect(await dispatch(handlers, 'settings.retention', {})).toEqual({ days: 0 });
    expect(await dispatch(handlers, 'settings.retention', { days: 30 })).toEqual({ days: 30 });
    expect(await dispatch(handlers, 'jobs.list', { deadLetter: true })).toEqual([]);
    await rejects(dispatch(handlers, 'settings.retention', { days: -1 }), 'invalid_input');
    await dispatch(handlers, 'jobs.cancel', { ids: [r.jobs[0].id] });
  });

  it('schedules and watches: bad input is refused with a readable reason', async () => {
    await rejects(dispatch(handlers, 'schedules.add', { name: 'n', cron: 'every day', paths: [files] }), 'invalid_input', /Invalid cron expression/);
    await rejects(dispatch(handlers, 'watches.add', { path: path.join(dir, 'not-here') }), 'invalid_input', /not a folder/);
    await rejects(dispatch(handlers, 'schedules.remove', { name: 'ghost' }), 'not_found');
    // Refusals are mapped by their class, whatever their wording: this one's message starts like no other.
    await rejects(dispatch(handlers, 'schedules.add', { name: 'feb31', cron: '0 0 31 2 *', paths: [files] }), 'invalid_input', /never fires again/);
    const s = (await dispatch(handlers, 'schedules.add', { name: 'nightly', cron: '0 3 * * *', paths: [files] })) as any;
    expect(s.nextRunAt).toBeGreaterThan(Date.now());
  });
});

describe('Electron IPC registration', () => {
  // Records what registerIpc hands to ipcMain.handle, and calls it as Electron would.
  const registered = new Map<string, (event: any, input: unknown) => Promise<Envelope>>();
  const ipc = { handle: (c: string, fn: any) => registered.set(c, fn), removeHandler: (c: string) => registered.delete(c) };
  const call = (channel: string, input: unknown, frame: any = { url: APP_URL, parent: null }) => registered.get(channel)!({ senderFrame: frame }, input);

  beforeAll(() => registerIpc(ipc as any, handlers));

  it('registers exactly the contract channels', () => {
    expect([...registered.keys()].sort()).toEqual(Object.keys(handlers).sort());
  });

  it('refuses senders other than our page in the top frame', async () => {
    const evil = await call('jobs.stats', {}, { url: 'https://evil.example/', parent: null });
    expect(evil).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    const sub = await call('jobs.stats', {}, { url: APP_URL, parent: {} });
    expect(sub).toMatchObject({ ok: false, error: { kind: 'unauthorized' } });
    const none = await call('jobs.stats', {}, null);
    expect(none).toMatchObject({ ok: false });
  });

  it('validates payloads and answers with envelopes', async () => {
    expect(await call('jobs.list', { status: 'exploded' })).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
    expect(await call('jobs.addPaths', { paths: Array(20_000).fill('x') })).toMatchObject({ ok: false, error: { kind: 'invalid_input' } });
    const ok = await call('jobs.stats', {});
    expect(ok.ok).toBe(true);
  });

  it('policy: trusted origins and navigation', () => {
    expect(isTrustedSender({ url: 'quarry://app/index.html', isTopFrame: true })).toBe(true);
    expect(isTrustedSender({ url: 'quarry://evil/index.html', isTopFrame: true })).toBe(false);
    expect(isTrustedSender({ url: 'file:///etc/passwd', isTopFrame: true })).toBe(false);
    expect(isAllowedNavigation('https://example.org')).toBe(false);
    expect(isAllowedNavigation('quarry://app/index.html#x')).toBe(true);
  });
});

describe('browser bridge over HTTP', () => {
  let bridge: Bridge;
  const staticDir = path.join(dir, 'static');

  beforeAll(async () => {
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>Quarry</title>');
    bridge = await startBridge({
      engine,
      staticDir,
      intakeDir: path.join(dir, 'intake'),
      exportsDir: path.join(dir, 'exports'),
      version: '0.0.0-test',
      dbPath: 'q.db',
      maxInvokeBytes: 64 * 1024,
    });
  });
  afterAll(() => bridge.close());

  function request(p: string, opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; auth?: boolean } = {}) {
    return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const headers: Record<string, string> = { ...(opts.auth === false ? {} : { cookie: `quarry_token=${bridge.token}` }), ...opts.headers };
      const req = http.request(`${bridge.origin}${p}`, { method: opts.method ?? 'GET', headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }
  const invoke = (channel: string, input: unknown, headers: Record<string, string> = {}) =>
    request(`/api/invoke/${channel}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(input) });

  it('listens on 127.0.0.1 only', () => {
    expect(bridge.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.url).toContain(`token=${bridge.token}`);
    expect(bridge.token.length).toBeGreaterThanOrEqual(40);
  });

  it('requires the token on every request and swaps it for an HttpOnly cookie', async () => {
    expect((await request('/', { auth: false })).status).toBe(401);
    expect((await invoke('jobs.stats', {}, { cookie: 'quarry_token=wrong' })).status).toBe(401);
    expect((await request('/?token=wrong', { auth: false })).status).toBe(401);
    const swap = await request(`/?token=${bridge.token}`, { auth: false });
    expect(swap.status).toBe(302);
    expect(swap.headers['set-cookie']?.[0]).toMatch(/quarry_token=.*HttpOnly; SameSite=Strict/);
    const page = await request('/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'none'; script-src 'self'/);
    expect(page.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a foreign Host header (DNS rebinding) and cross-origin posts', async () => {
    expect((await request('/', { headers: { host: 'evil.example' } })).status).toBe(421);
    const r = await invoke('jobs.stats', {}, { origin: 'https://evil.example' });
    expect(r.status).toBe(401);
  });

  it('validates payloads at the boundary with typed errors', async () => {
    const unknown = await invoke('jobs.nuke', {});
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).kind).toBe('unknown_channel');
    const wrong = await invoke('jobs.addPaths', { paths: [1, 2] });
    expect(wrong.status).toBe(400);
    expect(JSON.parse(wrong.body)).toMatchObject({ kind: 'invalid_input', issues: [{ path: 'paths.0' }, { path: 'paths.1' }] });
    const huge = await invoke('jobs.addPaths', { paths: Array(5_000).fill('/x'.repeat(15)) });
    expect(huge.status).toBe(400);
    expect(JSON.parse(huge.body).message).toMatch(/too large/);
    const notJson = await request('/api/invoke/jobs.stats', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(notJson.status).toBe(400);
    const textPlain = await request('/api/invoke/jobs.stats', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(textPlain.status).toBe(400);
    const state = await invoke('jobs.get', { id: 'ffffffff' });
    expect(state.status).toBe(404);
  });

  it('pushes engine events over Server-Sent Events', async () => {
    const seen: string[] = [];
    const req = http.get(`${bridge.origin}/api/events`, { headers: { cookie: `quarry_token=${bridge.token}` } });
    const got = new Promise<void>((resolve) => {
      req.on('response', (res) => {
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          for (const m of chunk.matchAll(/event: (\S+)\ndata: (.*)\n/g)) seen.push(`${m[1]} ${JSON.parse(m[2]!).fileName ?? ''}`);
          if (seen.some((s) => s === 'job.changed c.txt')) resolve();
        });
      });
    });
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(path.join(dir, 'c.txt'), 'gamma');
    const r = await invoke('jobs.addPaths', { paths: [path.join(dir, 'c.txt')] });
    expect(r.status).toBe(200);
    await got;
    req.destroy();
    expect(seen).toContain('job.changed c.txt');
  });

  it('stores uploads in the intake folder without letting names escape it', async () => {
    const up = await request(`/api/upload?name=${encodeURIComponent('../../etc/evil/../x.txt')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from('uploaded bytes'),
    });
    expect(up.status).toBe(200);
    const saved = JSON.parse(up.body).path as string;
    expect(saved.startsWith(path.join(dir, 'intake'))).toBe(true);
    expect(saved.endsWith(path.join('etc', 'evil', 'x.txt'))).toBe(true);
    expect(readFileSync(saved, 'utf8')).toBe('uploaded bytes');
    expect(sanitizeRelative('..', '')).toBe('');
  });

  it('exports and serves the export for download', async () => {
    await engine.drained();
    const r = await invoke('results.export', { format: 'jsonl' });
    expect(r.status).toBe(200);
    const { fileName, jobs } = JSON.parse(r.body);
    expect(jobs).toBeGreaterThanOrEqual(3);
    const dl = await request(`/api/download/${encodeURIComponent(fileName)}`);
    expect(dl.status).toBe(200);
    expect(dl.headers['content-disposition']).toMatch(/attachment/);
    expect(dl.body.trim().split('\n')).toHaveLength(jobs);
    // One level up from exports/ is this suite's real database: only the containment check keeps it in.
    expect(existsSync(path.join(dir, 'exports', '..', 'q.db'))).toBe(true);
    expect((await request('/api/download/..%2Fq.db')).status).toBe(404);
    expect(existsSync(path.join(dir, 'exports', fileName))).toBe(true);
  });
});
