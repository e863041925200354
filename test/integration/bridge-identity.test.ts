/**
 * The browser version's token and port survive a restart of `quarry serve`
 * (so an open tab reconnects), kept in a file only the user can read; a file
 * others could read is not trusted. Through the real serve process.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { IDENTITY_FILE, loadIdentity, saveIdentity } from '../../main/bridge-identity.js';
import { request, startServe, type Served } from '../helpers/serve.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const posix = process.platform !== 'win32';
let n = 0;
const fresh = () => {
  const d = path.join(dir, `data-${n++}`);
  mkdirSync(d);
  return d;
};

describe('bridge identity file', () => {
  it('is created with mode 0600 and read back unchanged', () => {
    const data = fresh();
    const first = loadIdentity(data);
    expect(first.port).toBe(0);
    saveIdentity(data, { ...first, port: 4567 });
    const file = path.join(data, IDENTITY_FILE);
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadIdentity(data)).toEqual({ token: first.token, port: 4567 });
  });

  it.runIf(posix)('is not trusted when others may read it, nor when it is malformed', () => {
    const data = fresh();
    const id = loadIdentity(data);
    saveIdentity(data, { ...id, port: 4567 });
    const file = path.join(data, IDENTITY_FILE);
    chmodSync(file, 0o644);
    expect(loadIdentity(data).token).not.toBe(id.token);
    writeFileSync(file, '{"token":"short","port":1}', { mode: 0o600 });
    expect(loadIdentity(data).token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    writeFileSync(file, 'not json', { mode: 0o600 });
    expect(loadIdentity(data)).toMatchObject({ port: 0 });
  });
});

describe('quarry serve restarted', () => {
  let serves: Served[] = [];
  afterEach(async () => {
    for (const s of serves) await s.stop();
    serves = [];
  });

  it('keeps its token and, without --port, its port: an open tab still gets in', async () => {
    const data = fresh();
    const first = await startServe(data, {}, 30_000, 'remembered');
    serves.push(first);
    const file = path.join(data, IDENTITY_FILE);
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ token: first.token, port: first.port });
    await first.stop();

    const second = await startServe(data, {}, 30_000, 'remembered');
    serves.push(second);
    expect(second.token).toBe(first.token);
    expect(second.port).toBe(first.port);
    // The tab's cookie (the same token) is still accepted.
    const page = await request(second, '/', { auth: false, headers: { cookie: `quarry_token=${first.token}` } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<div id="root">');
  });

  it('a browser without the key gets a page saying what to do, not raw JSON', async () => {
    const served = await startServe(fresh());
    serves.push(served);
    const page = await request(served, '/', { auth: false, headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(401);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('?token=');
    expect(page.text).not.toContain('<script');
    // A script still gets the typed error.
    const api = await request(served, '/', { auth: false });
    expect(JSON.parse(api.text)).toMatchObject({ kind: 'unauthorized' });
  });
});
