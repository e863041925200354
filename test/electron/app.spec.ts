import { test, expect, _electron as electron, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
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

const mainScript = path.join(root, 'dist/main/main.cjs');

function home(): string {
  return mkdtempSync(path.join(tmpdir(), 'quarry-electron-'));
}

async function launch(dataDir: string, files: string[] = [], cwd?: string) {
  return electron.launch({ executablePath: bin, args: [mainScript, ...files], cwd, env: { ...process.env, QUARRY_HOME: dataDir } });
}

/** The contract from the page, with the typed error's text on refusal. */
const call = (page: Page, channel: string, input: unknown) =>
  page.evaluate(([c, i]) => (window as any).quarry.invoke(c, i).then(JSON.stringify, (e: Error) => e.message), [channel, input] as const);

test('open and reveal: a job’s own source only, by id; a path the page makes up opens nothing (acceptance 17)', async () => {
  const dir = home();
  const file = path.join(dir, 'report.txt');
  writeFileSync(file, 'the original\n');
  const app = await launch(dir);
  try {
    const page = await app.firstWindow();
    // shell is recorded, not run: the test must not open a real application.
    await app.evaluate(({ shell }) => {
      const g = globalThis as any;
      g.__shell = [];
      shell.openPath = async (p: string) => (g.__shell.push(['open', p]), '');
      shell.showItemInFolder = (p: string) => void g.__shell.push(['show', p]);
    });
    const shellCalls = () => app.evaluate(() => (globalThis as any).__shell as Array<[string, string]>);
    await call(page, 'jobs.addPaths', { paths: [file] });
    const row = page.getByRole('row', { name: /report\.txt/ });
    await expect(row).toContainText(/completed/i, { timeout: 20_000 });
    await row.getByRole('cell').nth(1).click();
    const detail = page.getByRole('region', { name: 'Job detail' });
    await detail.getByRole('button', { name: 'Open report.txt' }).click();
    await detail.getByRole('button', { name: 'Show report.txt in its folder' }).click();
    await expect.poll(shellCalls).toEqual([
      ['open', realpathSync(file)],
      ['show', realpathSync(file)],
    ]);
    // No "Download original" in the desktop app.
    await expect(detail.getByRole('button', { name: /Download the original/ })).toHaveCount(0);
    expect(await call(page, 'platform.openSource', { path: '/etc/passwd' })).toMatch(/invalid_input/);
    expect(await call(page, 'platform.openSource', { id: '/etc/passwd' })).toMatch(/not_found/);
    expect(await call(page, 'platform.revealExport', { exportId: path.join(dir, 'quarry.db') })).toMatch(/not_found/);
    expect(await shellCalls()).toHaveLength(2);
  } finally {
    await app.close();
  }
});

test('the taskbar shows the running work and clears when it ends, the badge with it (acceptance 19)', async () => {
  const dir = home();
  const files = ['a.txt', 'b.txt', 'c.txt'].map((n) => path.join(dir, n));
  for (const f of files) writeFileSync(f, `${f}\n`);
  const app = await launch(dir);
  try {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/Quarry/);
    await app.evaluate(({ BrowserWindow, app: electronApp }) => {
      const g = globalThis as any;
      g.__bars = [];
      g.__badges = [];
      const win = BrowserWindow.getAllWindows()[0]!;
      const setBar = win.setProgressBar.bind(win);
      win.setProgressBar = (value: number, options?: { mode?: string }) => (g.__bars.push([value, options?.mode]), setBar(value, options as any));
      const setBadge = electronApp.setBadgeCount.bind(electronApp);
      electronApp.setBadgeCount = (n?: number) => (g.__badges.push(n), setBadge(n));
    });
    const bars = () => app.evaluate(() => (globalThis as any).__bars as Array<[number, string]>);
    await call(page, 'engine.pause', {});
    await call(page, 'jobs.addPaths', { paths: files });
    // Held by the paused queue: a sliver of a bar, marked paused.
    await expect.poll(async () => (await bars()).at(-1)).toEqual([0.01, 'paused']);
    await call(page, 'engine.resume', {});
    await expect.poll(async () => (await bars()).at(-1), { timeout: 20_000 }).toEqual([-1, 'none']);
    expect(await app.evaluate(() => (globalThis as any).__badges.at(-1))).toBe(0);
  } finally {
    await app.close();
  }
});

test('one native notification per finished batch while the window is in the background; its click opens the batch (acceptance 18)', async () => {
  const dir = home();
  const files = ['a.csv', 'b.csv', 'c.csv'].map((n) => path.join(dir, n));
  for (const f of files) writeFileSync(f, 'name,value\nx,1\n');
  const app = await launch(dir);
  try {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/Quarry/);
    // Shown notifications are recorded (not sent to the desktop), and the window reads as in the background.
    await app.evaluate(({ BrowserWindow, Notification }) => {
      const g = globalThis as any;
      g.__notes = [];
      Notification.prototype.show = function (this: any) {
        g.__notes.push({ title: this.title, body: this.body });
        g.__last = this;
      };
      BrowserWindow.getAllWindows()[0]!.isFocused = () => false;
    });
    const notes = () => app.evaluate(() => (globalThis as any).__notes as Array<{ title: string; body: string }>);
    const added = JSON.parse(await call(page, 'jobs.addPaths', { paths: files }));
    await expect.poll(notes, { timeout: 20_000 }).toEqual([{ title: '3 files: done', body: '3 files extracted' }]);
    await page.waitForTimeout(500);
    expect(await notes()).toHaveLength(1);
    await app.evaluate(() => (globalThis as any).__last.emit('click'));
    await expect(page).toHaveURL(new RegExp(`#/batches/${added.batch.id}`));
  } finally {
    await app.close();
  }
});

test('single instance: a second launch hands its files (relative to its own folder) to the running app and exits; files on the command line are added', async () => {
  const dir = home();
  writeFileSync(path.join(dir, 'first.txt'), 'named at start\n');
  writeFileSync(path.join(dir, 'second.txt'), 'named by a second launch\n');
  const app = await launch(dir, ['first.txt'], dir);
  try {
    const page = await app.firstWindow();
    await expect(page.getByRole('row', { name: /first\.txt/ })).toBeVisible({ timeout: 20_000 });
    const second = spawn(bin!, [mainScript, 'second.txt'], { cwd: dir, env: { ...process.env, QUARRY_HOME: dir }, stdio: 'ignore' });
    const code = await new Promise<number | null>((resolve) => second.on('exit', resolve));
    expect(code).toBe(0);
    await expect(page.getByRole('row', { name: /second\.txt/ })).toBeVisible({ timeout: 20_000 });
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  } finally {
    await app.close();
  }
});

test('the window reopens where it was, and the theme override reaches the native theme (acceptance 22)', async () => {
  const dir = home();
  let app = await launch(dir);
  try {
    const page = await app.firstWindow();
    await expect(page).toHaveTitle(/Quarry/);
    await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.setBounds({ x: 40, y: 50, width: 1000, height: 700 }));
    // The person picks Dark in the toolbar (System -> Light -> Dark): the window tells main, which applies it natively.
    const themeButton = page.getByRole('button', { name: /^Theme: / });
    await themeButton.click();
    await themeButton.click();
    await expect(themeButton).toHaveAccessibleName('Theme: Dark (switch to System)');
    await expect.poll(() => app.evaluate(({ nativeTheme }) => nativeTheme.themeSource)).toBe('dark');
  } finally {
    await app.close();
  }
  app = await launch(dir);
  try {
    await app.firstWindow();
    const bounds = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]!.getBounds());
    expect([bounds.width, bounds.height]).toEqual([1000, 700]);
    // Applied before the page loads (from desktop.json), and the page agrees.
    expect(await app.evaluate(({ nativeTheme }) => nativeTheme.themeSource)).toBe('dark');
    await expect((await app.firstWindow()).getByRole('button', { name: /^Theme: / })).toHaveAccessibleName('Theme: Dark (switch to System)');
  } finally {
    await app.close();
  }
});
