import { test, expect, _electron as electron } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

/** The Electron binary if it was downloaded (never triggers a download). */
function electronBinary(): string | undefined {
  try {
    const pkgDir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const bin = path.join(pkgDir, 'dist', readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim());
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined;
  }
}

const bin = electronBinary();
test.skip(
  !bin,
  'Electron binary not installed here (ELECTRON_SKIP_BINARY_DOWNLOAD=1; it cannot be downloaded offline). The same renderer and handlers are tested in Chromium through the browser bridge.',
);

test('the desktop window is hardened and runs a dropped file to completion', async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'quarry-electron-'));
  const file = path.join(home, 'hello.txt');
  writeFileSync(file, 'hello from electron\n');
  const app = await electron.launch({ executablePath: bin, args: [path.join(root, 'dist/main/main.cjs')], env: { ...process.env, QUARRY_HOME: home } });
  try {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/Quarry/);
    // No Node in the page; only the contract's API.
    expect(await page.evaluate(() => typeof (window as any).require)).toBe('undefined');
    expect(await page.evaluate(() => typeof (window as any).process)).toBe('undefined');
    expect(await page.evaluate(() => Object.keys((window as any).quarry).sort())).toEqual(['invoke', 'on', 'pathForFile']);
    expect(await page.evaluate(() => typeof (globalThis as any).Buffer)).toBe('undefined');
    // Navigation away from the app is refused.
    await page.evaluate(() => (location.href = 'https://example.org/'));
    await page.waitForTimeout(200);
    expect(page.url()).toMatch(/^quarry:\/\/app\//);
    // A bad payload is refused at the boundary with a typed error.
    const bad = await page.evaluate(() => (window as any).quarry.invoke('jobs.list', { limit: 'all' }).catch((e: Error) => e.message));
    expect(bad).toMatch(/invalid_input/);
    // The real engine runs a real file.
    await page.evaluate((p) => (window as any).quarry.invoke('jobs.addPaths', { paths: [p] }), file);
    await expect(page.getByRole('row', { name: /hello\.txt/ })).toContainText(/completed/i, { timeout: 20_000 });
    await page.screenshot({ path: path.join(root, 'test-results/electron-dashboard.png') });
  } finally {
    await app.close();
  }
});
