/**
 * Intake is honest at once (issue 14, acceptance point 1): files dragged
 * over the window get the full-window drop target; the drop shows the rows
 * with their names and formats while they wait (the queue is paused, so
 * nothing has run: the format is intake's own); a file no extractor handles
 * is reported rejected with its reason, under the name it was dropped with.
 * Real Chromium, the real bridge and engine.
 */
import type { Page } from '@playwright/test';
import { dropOnWindow, expect, test, watchPage } from './fixture.js';

/** Builds the drop in the page: a CSV, a README (text without an extension), and binary content named .xyz. */
async function mixedDrop(page: Page) {
  return page.evaluateHandle(() => {
    const dt = new DataTransfer();
    dt.items.add(new File(['item,price\nhammer,12.50\n'], 'prices.csv', { type: 'text/csv' }));
    dt.items.add(new File(['Read me first.\nPlain text, no extension.\n'], 'README'));
    dt.items.add(new File([new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 37 + 11) % 256))], 'blob.xyz'));
    return dt;
  });
}

test('a drop shows its rows with name and format at once, and rejects what no extractor handles, with the reason', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(quarry.bridge.url);
  // Paused (as a person would, from the toolbar): what the rows show comes from intake, not from a run.
  await expect(page.getByRole('table', { name: 'Jobs' }).getByText(/No jobs yet/)).toBeVisible();
  await page.getByRole('button', { name: 'Pause queue' }).click();
  await expect(page.getByRole('button', { name: 'Resume queue' })).toBeVisible();

  const drop = await mixedDrop(page);
  await page.locator('body').dispatchEvent('dragenter', { dataTransfer: drop });
  const target = page.getByRole('region', { name: 'Drop files or folders here' });
  await expect(target).toBeVisible();
  expect(await target.boundingBox()).toEqual({ x: 0, y: 0, width: 1280, height: 800 });
  await page.locator('body').dispatchEvent('dragleave', { dataTransfer: drop });
  await dropOnWindow(page, drop);

  await expect(page.getByRole('status', { name: 'Intake status' })).toHaveText('Added 2 jobs to batch “2 files”, rejected 1.');
  const table = page.getByRole('table', { name: 'Jobs' });
  const row = (name: string) => table.getByRole('row', { name, exact: true });
  await expect(row('prices.csv')).toContainText('Pending');
  await expect(row('prices.csv').locator('td.col-format')).toHaveText('csv');
  await expect(row('README')).toContainText('Pending');
  await expect(row('README').locator('td.col-format')).toHaveText('text');
  await expect(row('blob.xyz')).toHaveCount(0);

  // The rejection: the name as dropped (not the upload's path on the server) and why.
  const rejected = page.getByRole('list', { name: 'Rejected files' });
  await expect(rejected.getByRole('listitem')).toHaveCount(1);
  await expect(rejected.getByRole('listitem')).toContainText('blob.xyz');
  await expect(rejected.getByRole('listitem')).not.toContainText('/intake/');
  await expect(rejected.getByRole('listitem')).toContainText(
    'unrecognised format: binary content with no known signature, and “.xyz” is not a file type Quarry reads',
  );
  await expect(rejected.getByRole('listitem')).toBeInViewport();
  await page.screenshot({ path: '/tmp/shots/intake/intake-rejected-1280x800.png' });
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expect(rejected.getByRole('listitem')).toBeInViewport();
  await page.screenshot({ path: '/tmp/shots/intake/intake-rejected-1920x1080.png' });

  // Dropped again, the same files keep their names (no "prices (2).csv"), and the run keeps the formats.
  await dropOnWindow(page, await mixedDrop(page));
  await expect(row('prices.csv')).toHaveCount(2);
  await expect(row('README')).toHaveCount(2);
  await page.getByRole('button', { name: 'Resume queue' }).click();
  await expect(page.getByRole('button', { name: 'Completed: 4', exact: true })).toBeVisible();
  await expect(row('prices.csv').locator('td.col-format')).toHaveText(['csv', 'csv']);
  expect(problems).toEqual([]);
});
