/**
 * The window as a place to work (issue #14): the list is the centre and
 * shows its rows, each place has its own URL, files drop anywhere, and the
 * window says what state the engine is in. Real Chromium, the real bridge
 * and engine; found by role and name.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { formatDuration } from '../../renderer/lib/job-view.js';
import { dropOnWindow, expect, goTo, test, watchPage, type Quarry } from './fixture.js';

const CORRUPT_PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('garbage \x00\x01\x02 not a pdf body \xff\xfe'.repeat(20), 'latin1')]);

/** `n` small text files, added straight to the engine (as the CLI or a watch folder would). */
async function addNotes(quarry: Quarry, n: number): Promise<void> {
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = path.join(quarry.files, `note-${String(i).padStart(3, '0')}.txt`);
    writeFileSync(p, `note ${i}\n`);
    paths.push(p);
  }
  await quarry.invoke('jobs.addPaths', { paths });
}

const jobRows = (page: Page) => page.getByRole('table', { name: 'Jobs' }).locator('tbody tr[aria-label]');
const hash = (page: Page) => new URL(page.url()).hash;

test('the jobs list is the centre: 10+ rows at 1280x800, the full width at 1920x1080', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await addNotes(quarry, 14);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(quarry.bridge.url);
  await expect(page.getByRole('button', { name: 'Completed: 14', exact: true })).toBeVisible();
  await expect(jobRows(page)).toHaveCount(14);
  // Rows wholly inside the window, without scrolling anything.
  const visible = async () => {
    const height = page.viewportSize()!.height;
    let n = 0;
    for (const box of await Promise.all((await jobRows(page).all()).map((r) => r.boundingBox()))) if (box && box.y >= 0 && box.y + box.height <= height) n++;
    return n;
  };
  expect(await visible()).toBeGreaterThanOrEqual(10);

  await page.setViewportSize({ width: 1920, height: 1080 });
  const sidebar = (await page.locator('.sidebar').boundingBox())!;
  const table = (await page.getByRole('table', { name: 'Jobs' }).boundingBox())!;
  // Everything right of the sidebar, less the margins.
  expect(table.width).toBeGreaterThan(1920 - sidebar.width - 60);
  expect(await visible()).toBeGreaterThanOrEqual(14);
  expect(problems).toEqual([]);
});

test('the sidebar counts filter the list, by status and by format, and equal the rows shown', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await addNotes(quarry, 3);
  const table = path.join(quarry.files, 'table.csv');
  const broken = path.join(quarry.files, 'broken.pdf');
  writeFileSync(table, 'a,b\n1,2\n');
  writeFileSync(broken, CORRUPT_PDF);
  await quarry.invoke('jobs.addPaths', { paths: [table, broken] });
  await page.goto(quarry.bridge.url);
  const facet = (name: string) => page.getByRole('button', { name, exact: true });
  await expect(facet('Total: 5')).toBeVisible();
  await expect(facet('Completed: 4')).toBeVisible();
  await expect(jobRows(page)).toHaveCount(5);

  await facet('Failed: 1').click();
  await expect(facet('Failed: 1')).toHaveAttribute('aria-pressed', 'true');
  await expect(jobRows(page)).toHaveCount(1);
  await expect(jobRows(page).first()).toHaveAccessibleName('broken.pdf');
  await facet('Completed: 4').click();
  await expect(jobRows(page)).toHaveCount(4);
  await facet('Total: 5').click();
  await expect(jobRows(page)).toHaveCount(5);

  // By format, from another place: back to the list, filtered.
  await goTo(page, 'Statistics');
  await facet('text: 3').click();
  await expect(page.getByRole('link', { name: 'Jobs', exact: true })).toHaveAttribute('aria-current', 'page');
  await expect(facet('text: 3')).toHaveAttribute('aria-pressed', 'true');
  await expect(jobRows(page)).toHaveCount(3);
  expect(new URL(page.url()).hash).toContain('format=text');
  await facet('text: 3').click(); // again: every format
  await expect(facet('text: 3')).toHaveAttribute('aria-pressed', 'false');
  await expect(jobRows(page)).toHaveCount(5);
  expect(problems).toEqual([]);
});

test('each place has its own URL: the sidebar goes there, reload keeps it, Back walks back through the places', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await page.goto(quarry.bridge.url);
  await expect(page.getByRole('link', { name: 'Jobs', exact: true })).toHaveAttribute('aria-current', 'page');
  const origin = quarry.bridge.origin;

  await goTo(page, 'Batches');
  expect(hash(page)).toBe('#/batches');
  await goTo(page, 'Statistics');
  expect(hash(page)).toBe('#/stats');
  await expect(page.getByRole('heading', { name: 'Statistics', level: 2 })).toBeVisible();
  await goTo(page, 'Settings');
  expect(hash(page)).toBe('#/settings');

  await page.reload();
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Settings', exact: true })).toHaveAttribute('aria-current', 'page');

  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Statistics', level: 2 })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Batches', level: 2 })).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('table', { name: 'Jobs' })).toBeVisible();
  expect(page.url().startsWith(origin)).toBe(true);
  await page.goForward();
  await expect(page.getByRole('heading', { name: 'Batches', level: 2 })).toBeVisible();

  // The keyboard too: g then a key.
  await page.locator('body').press('g');
  await page.locator('body').press('t');
  await expect.poll(() => hash(page)).toBe('#/stats');
  expect(problems).toEqual([]);
});

test('files dragged over the window get a full-window drop target; the drop adds them', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(quarry.bridge.url);
  await goTo(page, 'Statistics'); // any place: the whole window takes drops
  const target = page.getByRole('region', { name: 'Drop files or folders here' });
  await expect(target).toHaveCount(0);
  const drop = await page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['dropped anywhere\n'], 'anywhere.txt', { type: 'text/plain' }));
    return dt;
  });
  // Over a sidebar link, not over any zone: the target covers the window.
  await page.getByRole('link', { name: 'Automation' }).dispatchEvent('dragenter', { dataTransfer: drop });
  await expect(target).toBeVisible();
  expect(await target.boundingBox()).toEqual({ x: 0, y: 0, width: 1280, height: 800 });
  await expect(target).toContainText('New jobs: extract · on failure: continue');
  // Leaving the window hides it again.
  await page.getByRole('link', { name: 'Automation' }).dispatchEvent('dragleave', { dataTransfer: drop });
  await expect(target).toHaveCount(0);

  await dropOnWindow(page, drop);
  await expect(page.getByRole('status', { name: 'Intake status' })).toHaveText('Added 1 job.');
  await expect(page.getByRole('button', { name: 'Completed: 1', exact: true })).toBeVisible();
  // The same file dropped again keeps its name (not "anywhere (2).txt").
  await dropOnWindow(page, drop);
  await expect(page.getByRole('button', { name: 'Completed: 2', exact: true })).toBeVisible();
  await goTo(page, 'Jobs');
  await expect(page.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: 'anywhere.txt', exact: true })).toHaveCount(2);
  expect(problems).toEqual([]);
});

test('a paused queue says so, nothing new starts, and batches say paused', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await page.goto(quarry.bridge.url);
  const banner = page.getByRole('status', { name: 'Engine state' });
  await expect(banner).toBeEmpty();

  await page.getByRole('button', { name: 'Pause queue' }).click();
  await expect(banner).toHaveText(/Queue paused: nothing new starts; 0 running will finish\./);
  await expect(page.getByRole('button', { name: 'Resume queue' })).toHaveAttribute('aria-pressed', 'true');
  expect((await quarry.invoke('app.info', {})).paused).toBe(true);

  await addNotes(quarry, 3);
  await expect(page.getByRole('button', { name: 'Pending: 3', exact: true })).toBeVisible();
  await goTo(page, 'Batches');
  const row = page.getByRole('table', { name: 'Batches' }).getByRole('row', { name: '3 files', exact: true });
  await expect(row).toContainText('Queue paused');
  await expect(row).not.toContainText('left');
  await page.waitForTimeout(1_500); // several scheduler ticks: still nothing started
  expect((await quarry.invoke('jobs.stats', {})).byStatus).toMatchObject({ pending: 3, running: 0, completed: 0 });

  await banner.getByRole('button', { name: 'Resume' }).click();
  await expect(banner).toBeEmpty();
  await expect(page.getByRole('button', { name: 'Completed: 3', exact: true })).toBeVisible();
  await expect(row).not.toContainText('Queue paused');
  expect(problems).toEqual([]);
});

test('the concurrency field says why it refuses a value, and keeps the engine as it was', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await page.goto(quarry.bridge.url);
  await goTo(page, 'Settings');
  const field = page.getByRole('spinbutton', { name: 'Concurrency' });
  await expect(field).toHaveValue('2');
  const refused = async (value: string, reason: RegExp) => {
    await field.fill(value);
    await field.press('Enter');
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(reason);
    await expect(field).toHaveValue(value); // kept, to be corrected
    expect((await quarry.invoke('app.info', {})).concurrency).toBe(2);
  };
  await refused('0', /At least 1: with 0, nothing would ever run/);
  await refused('999', /At most 256/);
  await refused('2.5', /Use a whole number: 2\.5 is not one/);

  await field.fill('3');
  await field.press('Enter');
  await expect.poll(async () => (await quarry.invoke('app.info', {})).concurrency).toBe(3);
  await expect(field).toHaveAttribute('aria-invalid', 'false');
  expect(problems).toEqual([]);
});

test('the theme follows the OS until the person picks one, and the choice persists', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const DARK = 'rgb(21, 24, 28)';
  const LIGHT = 'rgb(244, 245, 247)';
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.goto(quarry.bridge.url);
  await expect.poll(background).toBe(DARK); // System: the OS says dark
  await page.emulateMedia({ colorScheme: 'light' });
  await expect.poll(background).toBe(LIGHT);

  const themeButton = page.getByRole('button', { name: /^Theme: / });
  await expect(themeButton).toHaveAccessibleName('Theme: System (switch to Light)');
  await themeButton.click();
  await themeButton.click();
  await expect(themeButton).toHaveAccessibleName('Theme: Dark (switch to System)');
  await expect.poll(background).toBe(DARK); // overrides a light OS
  await page.reload();
  await expect.poll(background).toBe(DARK);
  await goTo(page, 'Settings');
  const select = page.getByRole('combobox', { name: 'Theme' });
  await expect(select).toHaveValue('dark');
  await select.selectOption('light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(background).toBe(LIGHT); // overrides a dark OS
  await select.selectOption('system');
  await expect.poll(background).toBe(DARK);
  expect(problems).toEqual([]);
});

test('the statistics view shows what the store counts', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  const files = { notes: path.join(quarry.files, 'a.txt'), table: path.join(quarry.files, 'b.csv'), broken: path.join(quarry.files, 'c.pdf') };
  writeFileSync(files.notes, 'Some notes.\nMore notes.\n');
  writeFileSync(files.table, 'x,y\n1,2\n3,4\n');
  writeFileSync(files.broken, CORRUPT_PDF);
  await quarry.invoke('jobs.addPaths', { paths: Object.values(files) });
  await expect.poll(async () => (await quarry.invoke('jobs.stats', {})).byStatus.pending + (await quarry.invoke('jobs.stats', {})).byStatus.running).toBe(0);

  await page.goto(`${quarry.bridge.url.replace(/\/\?token=.*/, '')}/?token=${quarry.bridge.token}`);
  await goTo(page, 'Statistics');
  const o = await quarry.invoke('stats.overview', {});
  const tile = (label: string) =>
    page
      .locator('.stat-tile')
      .filter({ has: page.getByText(label, { exact: true }) })
      .locator('dd');
  await expect(tile('Jobs')).toHaveText(String(o.total));
  await expect(tile('Completed')).toHaveText(String(o.byStatus.completed + o.byStatus.partial));
  await expect(tile('Failed')).toHaveText(String(o.byStatus.failed));
  await expect(tile('Items extracted')).toHaveText(o.itemsExtracted.toLocaleString('en-US'));
  expect(o.total).toBe(3);
  expect(o.byStatus.failed).toBe(1);

  const byFormat = page.getByRole('table', { name: 'By format' });
  for (const d of o.durations) {
    const row = byFormat.getByRole('row', { name: d.format, exact: true });
    await expect(row).toContainText(formatDuration(d.avgMs));
    await expect(row.locator('td').nth(4)).toHaveText(formatDuration(d.p50Ms));
    await expect(row.locator('td').nth(5)).toHaveText(formatDuration(d.p95Ms));
  }
  expect(o.durations.map((d: { format: string }) => d.format).sort()).toEqual(['csv', 'text']);
  await expect(byFormat.getByRole('row', { name: 'pdf', exact: true })).toContainText('—');
  await expect(page.getByRole('table', { name: 'Failures by error code' }).getByRole('row', { name: o.failures[0].code })).toContainText('1');
  await expect(page.getByRole('img', { name: /^Finished per minute over the last hour: 2 completed, 1 failed/ })).toBeVisible();
  await expect(page.getByRole('table', { name: 'By status' }).getByRole('row', { name: 'Completed' })).toContainText('2');
  expect(problems).toEqual([]);
});

test('keyboard: a skip link to the list, the shortcuts overlay, named controls', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await page.goto(quarry.bridge.url);
  await page.goto(`${quarry.bridge.origin}/#/settings`); // a fresh page, somewhere else than the list
  await expect(page.getByRole('heading', { name: 'Settings', level: 2 })).toBeVisible();
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: 'Skip to the job list' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect.poll(() => hash(page)).toBe('#/jobs');
  await expect(page.locator('.jobs-panel')).toBeFocused();
  await expect(page.getByRole('table', { name: 'Jobs' }).getByText('No jobs yet. Drop files or folders anywhere in this window')).toBeVisible();

  await page.locator('body').press('?');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Go to Statistics');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Close' }).click();

  // Every button, link and field has a name.
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('button, a[href], input:not([type=hidden]), select, textarea')]
      .filter((el) => (el as HTMLElement).offsetParent !== null)
      .filter((el) => {
        const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || (el as HTMLInputElement).labels?.length;
        return !labelled && !(el.textContent ?? '').trim();
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
  expect(unnamed).toEqual([]);
  expect(problems).toEqual([]);
});
