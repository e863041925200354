// `npm start` where Electron is absent: one line saying so, one browser
// bridge (not two), and the printed URL works with its token.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('npm start without the Electron binary', () => {
  it('falls back to the browser dashboard, once, with a working token URL', async () => {
    const home = tempDir('quarry-start-');
    const child = spawn(process.execPath, [path.join(root, 'dist/start.cjs')], {
      env: { ...process.env, QUARRY_HOME: home, ELECTRON_OVERRIDE_DIST_PATH: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    try {
      const end = Date.now() + 20_000;
      while (!/Data: /.test(output) && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 300)); // a second server would have printed by now
      expect(output).toMatch(/^Electron is not available on this machine .*starting the browser version instead\.$/m);
      const urls = output.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/g) ?? [];
      expect(urls).toHaveLength(1);
      const url = new URL(urls[0]!);
      const token = url.searchParams.get('token')!;
      const info = await fetch(`${url.origin}/api/invoke/app.info`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: '{}',
      });
      expect(info.status).toBe(200);
      expect(await info.json()).toMatchObject({ transport: 'browser', dbPath: path.join(home, 'quarry.db') });
      const denied = await fetch(`${url.origin}/api/invoke/app.info`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(denied.status).toBe(401);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
