/**
 * The end-to-end fixture: Debian Chromium, the real browser bridge, the real
 * engine and its worker pool, all started in-process for each test on a
 * fresh data folder.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startBridge, type Bridge } from '../../main/bridge.js';
import { Engine } from '../../main/core/engine.js';

export { expect };

export const root = path.resolve(import.meta.dirname, '../..');
const staticDir = path.join(root, 'dist/renderer');

export interface Quarry {
  bridge: Bridge;
  /** Where the test writes the files it adds. */
  files: string;
  engineErrors: Error[];
  /** The engine's database, for a test that plays another Quarry process on it. */
  dbPath: string;
  /** Calls the contract directly (Bearer token), to check what the UI cannot show. */
  invoke(channel: string, input: unknown): Promise<any>;
}

export const test = base.extend<{ quarry: Quarry }>({
  quarry: async ({ playwright }, use) => {
    for (const built of [path.join(staticDir, 'index.html'), path.join(root, 'dist/workers/extract.mjs')]) {
      if (!existsSync(built)) throw new Error(`${path.relative(root, built)} is missing: run "npm run build" first (npm test does).`);
    }
    const home = mkdtempSync(path.join(tmpdir(), 'quarry-e2e-'));
    const dbPath = path.join(home, 'quarry.db');
    const engine = new Engine({ dbPath, concurrency: 2, statsIntervalMs: 50 }).start();
    const engineErrors: Error[] = [];
    engine.on('error', (err) => engineErrors.push(err));
    const bridge = await startBridge({
      engine,
      staticDir,
      intakeDir: path.join(home, 'intake'),
      exportsDir: path.join(home, 'exports'),
      version: '0.0.0-e2e',
      dbPath,
    });
    const files = path.join(home, 'files');
    mkdirSync(files);
    const api = await playwright.request.newContext({ baseURL: bridge.origin, extraHTTPHeaders: { authorization: `Bearer ${bridge.token}` } });
    const invoke = async (channel: string, input: unknown) => {
      const res = await api.post(`/api/invoke/${channel}`, { data: input });
      expect(res.ok(), await res.text()).toBe(true);
      return res.json();
    };
    try {
      await use({ bridge, files, engineErrors, dbPath, invoke });
    } finally {
      await api.dispose();
      await bridge.close();
      await engine.close({ abort: true });
      rmSync(home, { recursive: true, force: true });
    }
  },
});

/**
 * Watches the page for what a strict, offline dashboard must never do.
 * `expected` lists console errors a test provokes on purpose (Chromium logs
 * every 4xx answer, such as a refused request, as one).
 */
export function watchPage(page: Page, origin: string, expected: readonly RegExp[] = []) {
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !expected.some((re) => re.test(m.text()))) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(origin + '/') && !r.url().startsWith('data:')) problems.push(`remote request: ${r.url()}`);
  });
  return problems;
}

/** Goes to a place of the window through the sidebar, as a person would. */
export async function goTo(page: Page, place: 'Jobs' | 'Batches' | 'Search' | 'Statistics' | 'Automation' | 'Workers' | 'Settings'): Promise<void> {
  await page.getByRole('navigation', { name: 'Places' }).getByRole('link', { name: place, exact: true }).click();
  await expect(page.getByRole('navigation', { name: 'Places' }).getByRole('link', { name: place, exact: true })).toHaveAttribute('aria-current', 'page');
}

/** Opens the toolbar's "Options for new files" popover (if closed) and returns its group of fields. */
export async function intakeOptions(page: Page) {
  const button = page.getByRole('button', { name: /^Options for new files/ });
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  return page.getByRole('group', { name: 'Options for new files' });
}

/**
 * Drags a DataTransfer (built in the page) over the window and drops it: the
 * full-window drop target shows while dragging and takes the drop.
 */
export async function dropOnWindow(page: Page, drop: Awaited<ReturnType<Page['evaluateHandle']>>): Promise<void> {
  await page.locator('body').dispatchEvent('dragenter', { dataTransfer: drop });
  const target = page.getByRole('region', { name: 'Drop files or folders here' });
  await expect(target).toBeVisible();
  await expect(target).toContainText('Release to add them');
  await target.dispatchEvent('drop', { dataTransfer: drop });
  await expect(target).toHaveCount(0);
}
