// The browser bridge as a user meets it: a real `serve` process on
// 127.0.0.1 with its token, real files in its data folder, raw HTTP. Every
// path taken from a URL stays in its folder, bad input answers 4xx (never a
// 500 or a dead server), uploads are named safely and never left half
// written, Host and Origin follow one rule, and CSV exports are not formulas.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import Papa from 'papaparse';
import { invoke, request, startServe, type Served } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const data = tempDir('quarry-bridge-');
const outside = tempDir('quarry-outside-');
let serve: Served;

beforeAll(async () => {
  // Files past 64 KB stream their text to a full-text file, as files past 32 MB do by default.
  serve = await startServe(data, { QUARRY_STREAM_THRESHOLD: String(64 * 1024) });
}, 60_000);
afterAll(() => serve?.stop());

const json = (r: { text: string }) => JSON.parse(r.text);

/** Every file under a folder, recursively (relative paths). */
function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => statSync(path.join(dir, f)).isFile());
}

async function upload(name: string, body: string | Buffer) {
  return request(serve, `/api/upload?name=${encodeURIComponent(name)}`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body });
}

async function stillUp() {
  expect(serve.child.exitCode).toBeNull();
  expect((await invoke(serve, 'app.info', {})).status).toBe(200);
  expect(serve.output()).not.toMatch(/EISDIR|Unhandled|Error:/);
}

describe('paths in URLs stay inside their folder', () => {
  it('a download naming the data folder itself is a 404, and serve stays up (was an unhandled EISDIR)', async () => {
    const r = await request(serve, '/api/download/..%2F');
    expect(r.status).toBe(404);
    expect(json(r).kind).toBe('not_found');
    expect((await request(serve, '/api/download/')).status).toBe(404);
    // A folder inside exports/ is not a file to stream either.
    mkdirSync(path.join(data, 'exports', 'folder'), { recursive: true });
    expect((await request(serve, '/api/download/folder')).status).toBe(404);
    await stillUp();
  });

  it('download: the database one level above exports/, a link to it, and absolute paths are refused', async () => {
    const exported = await invoke(serve, 'results.export', { format: 'jsonl' });
    expect(exported.status).toBe(200);
    const ok = await request(serve, `/api/download/${encodeURIComponent(json(exported).fileName)}`);
    expect(ok.status).toBe(200);

    // Each of these names a real file; only the containment check keeps it in.
    const db = path.join(data, 'quarry.db');
    expect(existsSync(db)).toBe(true);
    symlinkSync(db, path.join(data, 'exports', 'db-link'));
    writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    for (const probe of ['..%2Fquarry.db', '..%5Cquarry.db', 'db-link', encodeURIComponent(path.join(outside, 'secret.txt'))]) {
      const r = await request(serve, `/api/download/${probe}`);
      expect(r.status, probe).toBe(404);
      expect(r.text).not.toMatch(/SQLite format|secret$/);
    }
    await stillUp();
  });

  it('static files: nothing above the dashboard folder is served', async () => {
    expect((await request(serve, '/')).status).toBe(200);
    // dist/serve.cjs sits one level above dist/renderer.
    const r = await request(serve, '/..%2Fserve.cjs');
    expect(r.status).toBe(404);
    expect(r.text).not.toMatch(/require\(/);
    expect((await request(serve, '/assets')).status).toBe(404); // a folder, not a file
  });

  it('malformed percent-escapes answer 400, not 500', async () => {
    for (const [method, p] of [
      ['GET', '/%E0%A4%A'],
      ['GET', '/api/download/%E0%A4%A'],
      ['POST', '/api/invoke/%E0%A4%A'],
    ] as const) {
      const r = await request(serve, p, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect(r.status, p).toBe(400);
      expect(json(r).kind).toBe('invalid_input');
    }
    await stillUp();
  });
});

describe('uploads', () => {
  const intake = path.join(data, 'intake');

  it('an over-long name answers 400 without revealing an absolute path', async () => {
    const r = await upload('a'.repeat(5000), 'x');
    expect(r.status).toBe(400);
    expect(json(r).message).toMatch(/too long/);
    expect(r.text).not.toContain(data);
    // Long, but within the limit: a component is shortened to what file systems accept (255 bytes), not refused.
    const wide = await upload(`${'あ'.repeat(150)}.txt`, 'wide');
    expect(wide.status).toBe(200);
    const saved = json(wide).path as string;
    expect(Buffer.byteLength(path.basename(saved))).toBeLessThanOrEqual(255);
    expect(saved.endsWith('.txt')).toBe(true);
  });

  it('names drop bidi controls and never take a reserved Windows name (the spool rules)', async () => {
    const cases: Array<[string, string]> = [
      ['invoice\u202Efdp.exe', 'invoicefdp.exe'],
      ['CON', '_CON'],
      ['docs/NUL.txt', path.join('docs', '_NUL.txt')],
      ['aux.', '_aux'],
      ['../../up\u2066.txt', 'up.txt'],
    ];
    for (const [name, expected] of cases) {
      const r = await upload(name, 'bytes');
      expect(r.status, name).toBe(200);
      const saved = json(r).path as string;
      expect(saved.startsWith(intake + path.sep), name).toBe(true);
      expect(saved.endsWith(path.sep + expected), `${name} -> ${saved}`).toBe(true);
    }
  });

  it('the same name uploaded again keeps its name (a second drop of a file is not renamed)', async () => {
    const first = json(await upload('scans/normal.csv', 'a,b\n1,2\n')).path as string;
    const second = json(await upload('scans/normal.csv', 'a,b\n3,4\n')).path as string;
    const third = json(await upload('scans/normal.csv', 'a,b\n5,6\n')).path as string;
    expect(new Set([first, second, third]).size).toBe(3);
    for (const saved of [first, second, third]) {
      expect(path.basename(saved)).toBe('normal.csv');
      expect(saved.startsWith(intake + path.sep)).toBe(true);
    }
    expect(readFileSync(second, 'utf8')).toBe('a,b\n3,4\n');
    expect(readFileSync(first, 'utf8')).toBe('a,b\n1,2\n');
  });

  it('an aborted upload leaves no partial file', async () => {
    const before = new Set(filesUnder(intake));
    const req = http.request({
      host: '127.0.0.1',
      port: serve.port,
      path: '/api/upload?name=aborted.bin',
      method: 'POST',
      headers: { authorization: `Bearer ${serve.token}`, 'content-type': 'application/octet-stream', 'content-length': String(1 << 20) },
    });
    req.on('error', () => undefined); // the abort is the point
    req.write(Buffer.alloc(64 * 1024, 1));
    const partial = () => filesUnder(intake).filter((f) => !before.has(f) && f.endsWith('aborted.bin'));
    // The server has the file open and some bytes written...
    await until(() => partial().some((f) => statSync(path.join(intake, f)).size > 0), 20_000);
    req.destroy();
    // ...and once the connection is gone, the file goes too.
    await until(() => partial().length === 0, 20_000);
    await stillUp();
  });
});

describe('Host and Origin: one rule for 127.0.0.1 and localhost', () => {
  const post = (host: string, origin?: string) => invoke(serve, 'jobs.stats', {}, { host, ...(origin !== undefined ? { origin } : {}) });

  it('a page opened as http://localhost:PORT or http://127.0.0.1:PORT can POST to its own origin', async () => {
    expect((await post(`localhost:${serve.port}`, `http://localhost:${serve.port}`)).status).toBe(200);
    expect((await post(`127.0.0.1:${serve.port}`, `http://127.0.0.1:${serve.port}`)).status).toBe(200);
    expect((await post(`localhost:${serve.port}`)).status).toBe(200); // no Origin: not a browser's cross-site request
  });

  it('refuses other origins, other hosts, and a POST from one of the two to the other', async () => {
    expect((await post(`localhost:${serve.port}`, `http://127.0.0.1:${serve.port}`)).status).toBe(401);
    expect((await post(`127.0.0.1:${serve.port}`, `http://localhost:${serve.port}`)).status).toBe(401);
    expect((await post(`localhost:${serve.port}`, 'https://evil.example')).status).toBe(401);
    expect((await post(`localhost:${serve.port}`, 'null')).status).toBe(401);
    for (const host of ['evil.example', `localhost.evil.example:${serve.port}`, 'localhost', `localhost:${serve.port + 1}`]) {
      expect((await request(serve, '/', { headers: { host } })).status, host).toBe(421);
    }
  });
});

describe('results.export over the browser transport', () => {
  it("writes only into the data folder's exports/: no folder, no path from the page", async () => {
    const elsewhere = path.join(outside, 'export-here');
    const withPath = await invoke(serve, 'results.export', { format: 'json', outDir: elsewhere });
    expect(withPath.status).toBe(400);
    const withHandle = await invoke(serve, 'results.export', { format: 'json', folder: 'made-up' });
    expect(withHandle.status).toBe(400);
    expect(json(withHandle).message).toMatch(/exports folder/);
    expect(existsSync(elsewhere)).toBe(false);
    const r = await invoke(serve, 'results.export', { format: 'json' });
    expect(r.status).toBe(200);
    expect(path.dirname(json(r).file)).toBe(path.join(data, 'exports'));
  });
});

describe('CSV exports are never formulas', () => {
  it('a cell starting with =, +, -, @, TAB or CR is exported as text, large texts included', async () => {
    const texts: Record<string, string> = {
      'eq.txt': '=HYPERLINK("http://evil.example","click")',
      'plus.txt': '+1+1',
      'minus.txt': '-2+3',
      'at.txt': '@SUM(A1:A2)',
      'tab.txt': '\t=1',
      'cr.txt': '\r=1',
      'multiline.txt': '=1+1\nsecond line',
      'plain.txt': 'a = b',
    };
    const paths: string[] = [];
    for (const [name, text] of Object.entries(texts)) paths.push(json(await upload(`formula/${name}`, text)).path);
    // Past the stream threshold, the text goes to a full-text file and streams from it into the CSV.
    const big = `=2+2 ${'word '.repeat(300_000)}`;
    paths.push(json(await upload('formula/big.txt', big)).path);
    paths.push(json(await upload('formula/=cmd.txt', 'file name is the formula')).path);
    expect((await invoke(serve, 'jobs.addPaths', { paths, batch: 'never' })).status).toBe(200);
    let jobs: Array<{ fileName: string; status: string }> = [];
    const done = async () => {
      jobs = json(await invoke(serve, 'jobs.list', { limit: 1000 }));
      const ours = jobs.filter((j) => paths.some((p) => p.endsWith(path.sep + j.fileName)));
      return ours.length === paths.length && ours.every((j) => ['completed', 'failed', 'partial'].includes(j.status));
    };
    for (let i = 0; !(await done()); i++) {
      if (i > 1200) throw new Error(`jobs did not finish: ${JSON.stringify(jobs.map((j) => [j.fileName, j.status]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const exported = json(await invoke(serve, 'results.export', { format: 'csv' }));
    const csv = (await request(serve, `/api/download/${encodeURIComponent(exported.fileName)}`)).text.replace(/^\uFEFF/, '');
    const rows = Papa.parse<Record<string, string>>(csv, { header: true, skipEmptyLines: true }).data;
    for (const row of rows) {
      for (const [column, cell] of Object.entries(row))
        expect(/^[=+\-@\t\r]/.test(cell), `${row.file_name} ${column}: ${JSON.stringify(cell.slice(0, 20))}`).toBe(false);
    }
    const byName = new Map(rows.map((r) => [r.file_name!, r]));
    expect(byName.get('eq.txt')!.text).toBe(`'${texts['eq.txt']}`);
    expect(byName.get('multiline.txt')!.text).toBe(`'${texts['multiline.txt']}`);
    expect(byName.get('plain.txt')!.text).toBe(texts['plain.txt']);
    expect(byName.get('big.txt')!.text!.startsWith("'=2+2 word")).toBe(true);
    expect(byName.get('big.txt')!.text!.length).toBe(big.length + 1);
    expect(byName.get('=cmd.txt')).toBeUndefined();
    expect(byName.get("'=cmd.txt")).toBeDefined();
  });
});

describe('the probes above ran against a live server', () => {
  it('serve is still running and printed no error', stillUp);
});
