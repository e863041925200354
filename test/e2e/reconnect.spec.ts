/**
 * The browser version when its server goes away: a real `quarry serve`
 * (dist/serve.cjs) is stopped under an open tab, which says so at once, and
 * started again, which the tab finds by itself (same port and token, kept in
 * the data folder), with no reload and no raw JSON.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { invoke, startServe, type Served } from '../helpers/serve.js';
import { expect, test, watchPage } from './fixture.js';

/** Chromium logs the failed requests while the server is down; those are the point of the test. */
const EXPECTED_WHILE_DOWN = [/Failed to load resource/, /ERR_CONNECTION_REFUSED/, /EventSource/, /401/];

test('losing the engine shows a banner at once; the page reconnects by itself when it is back', async ({ page }) => {
  const data = mkdtempSync(path.join(tmpdir(), 'quarry-reconnect-'));
  const served: Served[] = [];
  try {
    const first = await startServe(data, {}, 30_000, 'remembered');
    served.push(first);
    const problems = watchPage(page, first.origin, EXPECTED_WHILE_DOWN);
    await page.goto(`${first.origin}/?token=${first.token}`);
    await expect(page.getByRole('button', { name: 'Total: 0', exact: true })).toBeVisible();
    const banner = page.getByRole('status', { name: 'Engine state' });
    await expect(banner).toBeEmpty();

    await first.stop();
    // Within 2 seconds of the engine going away, not at the next click.
    await expect(banner).toContainText('Lost the connection to the Quarry engine', { timeout: 2_000 });
    await expect(banner).toContainText('Reconnecting by itself');

    const second = await startServe(data, {}, 30_000, 'remembered');
    served.push(second);
    expect(second.origin).toBe(first.origin);
    await expect(banner).toBeEmpty({ timeout: 15_000 });

    // Live again without a reload: a job added now shows up.
    expect((await invoke(second, 'engine.pause', {})).status).toBe(200);
    const note = path.join(data, 'note.txt');
    writeFileSync(note, 'back again\n');
    expect((await invoke(second, 'jobs.addPaths', { paths: [note] })).status).toBe(200);
    await expect(page.getByRole('button', { name: 'Total: 1', exact: true })).toBeVisible();
    // The engine's pause, made elsewhere (here: by a script), reaches the page as an event.
    await expect(banner).toContainText('Queue paused');

    // A reload is the dashboard again (the cookie's token is still valid), not {"kind":"unauthorized"…}.
    await page.reload();
    await expect(page.getByRole('button', { name: 'Total: 1', exact: true })).toBeVisible();

    // A server with a new key (its identity file deleted): the tab says exactly what to do.
    await second.stop();
    await expect(banner).toContainText('Lost the connection', { timeout: 2_000 });
    rmSync(path.join(data, 'bridge.json'));
    const third = await startServe(data, {}, 30_000, second.port);
    served.push(third);
    expect(third.token).not.toBe(first.token);
    await expect(banner).toContainText('The Quarry server restarted with a new key', { timeout: 15_000 });
    await expect(banner).toContainText('?token=');
    expect(problems.filter((p) => !/remote request/.test(p))).toEqual([]);
  } finally {
    for (const s of served) await s.stop();
    rmSync(data, { recursive: true, force: true });
  }
});
