// Where results may be written and what may leave the app, with the real
// engine (SQLite file, scheduler, piscina pool running the chaos test worker)
// and real folders: the dialog's folder handles, the pipeline export step's
// names, once-a-minute schedules, the external-link allowlist, the fuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../../main/core/engine.js';
import { FolderGrants } from '../../main/core/folder-grants.js';
import { createHandlers, dispatch } from '../../main/core/handlers.js';
import { isAllowedExternalUrl } from '../../main/ipc-policy.js';
import { ContractError } from '../../shared/contract.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const CHAOS = path.resolve(import.meta.dirname, '../fixtures/workers/chaos.cjs');
const root = path.resolve(import.meta.dirname, '../..');
const dir = tempDir('quarry-policies-');
let engine: Engine;

beforeAll(() => {
  engine = new Engine({ dbPath: tempDbPath(dir), concurrency: 2, pool: { filename: CHAOS, threads: 2 }, scheduler: { pollIntervalMs: 30 } }).start();
});
afterAll(() => engine.close({ abort: true }));

async function refused(p: Promise<unknown>, msg: RegExp) {
  const err = await p.then(
    () => null,
    (e) => e,
  );
  expect(err).toBeInstanceOf(ContractError);
  expect(err.kind).toBe('invalid_input');
  expect(err.message).toMatch(msg);
}

describe('Electron exports go only to a folder just picked in the dialog', () => {
  it('FolderGrants: a handle is issued per pick, used once, and only the latest picks stay live', () => {
    const grants = new FolderGrants(2);
    const a = grants.issue('/picked/a');
    const b = grants.issue('/picked/b');
    const c = grants.issue('/picked/c');
    expect(new Set([a, b, c]).size).toBe(3);
    expect(grants.take('/picked/b')).toBeUndefined(); // a path is not a handle
    expect(grants.take(a)).toBeUndefined(); // dropped: two newer picks
    expect(grants.take(b)).toBe('/picked/b');
    expect(grants.take(b)).toBeUndefined(); // spent
    expect(grants.take(c)).toBe('/picked/c');
  });

  it("results.export writes where the dialog's handle points, and refuses paths and spent handles", async () => {
    const picked = path.join(dir, 'picked');
    const madeUp = path.join(dir, 'made-up');
    const handlers = createHandlers(engine, {
      transport: 'electron',
      version: '0.0.0-test',
      dbPath: 'q.db',
      exportsDir: path.join(dir, 'exports'),
      chooseFolder: async () => picked, // stands in for Electron's native dialog
    });
    await refused(dispatch(handlers, 'results.export', { format: 'jsonl', folder: madeUp }), /not just picked/);
    await refused(dispatch(handlers, 'results.export', { format: 'jsonl', outDir: madeUp }), /outDir|Unrecognized/);
    expect(existsSync(madeUp)).toBe(false);
    const { path: shown, handle } = (await dispatch(handlers, 'dialog.chooseFolder', {})) as { path: string; handle: string };
    expect(shown).toBe(picked);
    expect(handle).not.toContain(picked);
    const r = (await dispatch(handlers, 'results.export', { format: 'jsonl', folder: handle })) as { file: string };
    expect(r.file).toBe(path.join(picked, 'quarry-results.jsonl'));
    expect(existsSync(r.file)).toBe(true);
    await refused(dispatch(handlers, 'results.export', { format: 'jsonl', folder: handle }), /choose it again/);
    // Without a pick it goes to the app's exports folder, as before.
    const plain = (await dispatch(handlers, 'results.export', { format: 'json' })) as { file: string };
    expect(path.dirname(plain.file)).toBe(path.join(dir, 'exports'));
  });
});

describe('the pipeline export step names files by the spool rules', () => {
  it('long, bidi and reserved source names export under safe names; the job never fails for its name', async () => {
    const out = path.join(dir, 'pipeline-out');
    engine.definitions.save({ name: 'to-folder', steps: [{ type: 'extract' }, { type: 'export', options: { dir: out, formats: ['txt', 'json'] } }] });
    const names = ['x'.repeat(300) + '.pdf', 'ありがとう'.repeat(60) + '.docx', 'report\u202Efdp.exe', 'CON', 'a/b\\..\\c:d.txt', '..'];
    const jobs = engine.store.add(names.map((fileName, i) => ({ sourcePath: `/chaos/${i}`, fileName, options: { tag: String(i) }, definition: 'to-folder' })));
    await engine.drained();
    for (const j of jobs) expect(engine.store.get(j.id), j.fileName!).toMatchObject({ status: 'completed' });
    const files = readdirSync(out);
    expect(files).toHaveLength(names.length * 2);
    for (const f of files) {
      expect(Buffer.byteLength(f), f).toBeLessThanOrEqual(255);
      expect(f).not.toMatch(/[\u202e\\/:]|^(CON|\.\.)\./);
    }
    const [long, wide, bidi, con, slashes, dots] = jobs.map((j) => j.shortId);
    expect(files).toContain(`${'x'.repeat(116)}.pdf.${long}.txt`);
    expect(files.some((f) => f.endsWith(`.docx.${wide}.json`))).toBe(true);
    expect(files).toContain(`reportfdp.exe.${bidi}.txt`);
    expect(files).toContain(`_CON.${con}.txt`);
    expect(files).toContain(`a_b_.._c_d.txt.${slashes}.txt`);
    expect(files).toContain(`result.${dots}.txt`);
    expect(readFileSync(path.join(out, `_CON.${con}.txt`), 'utf8')).toBe('done 3');
  });

  it('a name taken by a folder fails the job as a typed, permanent error, not internal', async () => {
    const out = path.join(dir, 'taken-out');
    engine.definitions.save({ name: 'to-taken', steps: [{ type: 'extract' }, { type: 'export', options: { dir: out, formats: ['txt'] } }] });
    engine.pause();
    const [job] = engine.store.add([{ sourcePath: '/chaos/t', fileName: 'taken', options: { tag: 't' }, definition: 'to-taken' }]);
    mkdirSync(path.join(out, `taken.${job!.shortId}.txt`), { recursive: true });
    engine.resume();
    await engine.drained();
    expect(engine.store.get(job!.id)).toMatchObject({ status: 'failed', errorCode: 'not_a_file', errorCategory: 'permanent', retryCount: 0 });
  });
});

describe('schedules run at most once a minute', () => {
  it('refuses an expression that fires more often, with the reason, and accepts once-a-minute ones', () => {
    for (const cron of ['* * * * * *', '*/30 * * * * *', '0,30 0 3 * * *']) {
      expect(() => engine.schedules.add({ name: `fast-${cron.length}`, cron, paths: [dir] }), cron).toThrow(/at most once a minute/);
    }
    expect(engine.schedules.add({ name: 'every-minute', cron: '* * * * *', paths: [dir] }).cron).toBe('* * * * *');
    expect(engine.schedules.add({ name: 'second-zero', cron: '0 * * * * *', paths: [dir] }).cron).toBe('0 * * * * *');
  });

  it('answers invalid_input over the contract', async () => {
    const handlers = createHandlers(engine, { transport: 'browser', version: '0', dbPath: 'q.db', exportsDir: path.join(dir, 'exports') });
    await refused(
      dispatch(handlers, 'schedules.add', { name: 'every-second', cron: '* * * * * *', paths: [dir] }),
      /Invalid cron expression "\* \* \* \* \* \*": it runs every 1 s/,
    );
  });

  it('a sub-minute schedule saved before the rule is disabled, not run every second', async () => {
    engine.store.db
      .prepare("INSERT INTO schedules (id, name, cron, paths, job_options, next_run_at) VALUES ('legacy', 'legacy', '* * * * * *', ?, '{}', 0)")
      .run(JSON.stringify([dir]));
    const ran = await engine.schedules.runDue();
    expect(ran.map((r) => r.schedule.name)).not.toContain('legacy');
    expect(engine.schedules.get('legacy')).toMatchObject({ enabled: false, nextRunAt: null });
    expect(() => engine.schedules.setEnabled('legacy', true)).toThrow(/at most once a minute/);
  });
});

describe('Electron: what may leave the app', () => {
  it('shell.openExternal only for https links to hosts on the allowlist', () => {
    // The app links nowhere outside today: nothing is opened.
    for (const url of [
      'https://example.com/',
      'http://example.com/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-msdt:/id',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
    const hosts = ['docs.quarry.app'];
    expect(isAllowedExternalUrl('https://docs.quarry.app/guide#x', hosts)).toBe(true);
    for (const url of [
      'http://docs.quarry.app/',
      'https://docs.quarry.app.evil.example/',
      'https://evil.example/?https://docs.quarry.app',
      'https://user@docs.quarry.app/',
      'https://docs.quarry.app:8443/',
      'file://docs.quarry.app/etc/passwd',
    ]) {
      expect(isAllowedExternalUrl(url, hosts), url).toBe(false);
    }
  });

  it('the packaged app turns off the file:// privileges fuse and says why each folder is unpacked', () => {
    const yml = readFileSync(path.join(root, 'electron-builder.yml'), 'utf8');
    expect(yml).toMatch(/^electronFuses:(\n {2}.*)*\n {2}grantFileProtocolExtraPrivileges: false$/m);
    const block = yml
      .split(/^asarUnpack:\s*$/m)[1]!
      .split(/^\S/m)[0]!
      .split('\n');
    const entries = block.map((line, i) => [line, block[i - 1] ?? ''] as const).filter(([line]) => /^\s+- /.test(line));
    expect(entries.length).toBeGreaterThan(0);
    for (const [entry, above] of entries) expect(above, entry).toMatch(/^\s+# /);
  });
});
