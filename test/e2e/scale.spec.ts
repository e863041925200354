/**
 * The dashboard under load: a folder of well over 500 files, queued from
 * outside the page (as a watch folder, a schedule or the CLI would), comes as
 * one 'jobs.added' event instead of one per job, then thousands of
 * job.changed events as the files run. The page must reload its windows, keep
 * the batch's progress live, and stay responsive throughout.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, watchPage } from './fixture.js';

const FILES = 1500;

test('a large batch queued elsewhere shows up, runs live and the page stays responsive', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  const dir = path.join(quarry.files, 'archive-2024');
  mkdirSync(dir);
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(dir, `note-${String(i).padStart(5, '0')}.txt`), `note ${i}\nquarry\n`);

  await page.goto(quarry.bridge.url);
  await expect(page.getByText('No batches yet')).toBeVisible();
  // Main-thread stalls over 50 ms, from here on.
  await page.evaluate(() => {
    const w = window as unknown as { stalls: number[] };
    w.stalls = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.stalls.push(e.duration);
    }).observe({ entryTypes: ['longtask'] });
  });
  await quarry.invoke('engine.setConcurrency', { concurrency: 8 });
  const started = Date.now();
  await quarry.invoke('jobs.addPaths', { paths: [dir] });

  const bar = page.getByRole('progressbar', { name: 'Progress of archive-2024' });
  await expect(bar).toBeVisible();
  // Live while it runs: the bar moves before the end.
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
  await expect(bar).toHaveAttribute('aria-valuenow', '100', { timeout: 90_000 });
  const elapsed = Date.now() - started;
  const row = page.getByRole('table', { name: 'Batches' }).getByRole('row', { name: 'archive-2024', exact: true });
  await expect(row).toContainText('Completed');
  await expect(row).toContainText(`${FILES} completed`);
  await expect(page.getByRole('button', { name: `Completed: ${FILES}`, exact: true })).toBeVisible();
  // The table holds a window of the newest 500, virtualised.
  await expect(page.getByText(`Showing 500 of ${FILES.toLocaleString('en-US')}`)).toBeVisible();
  await expect(page.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: `note-${FILES - 1}.txt`.replace(/\d+/, (n) => n.padStart(5, '0')) })).toContainText('Completed');
  expect(await page.getByRole('table', { name: 'Jobs' }).getByRole('row').count()).toBeLessThan(100);

  const stalls = await page.evaluate(() => (window as unknown as { stalls: number[] }).stalls);
  const stalled = stalls.reduce((a, b) => a + b, 0);
  console.log(`${FILES} files in ${elapsed} ms; main thread stalled ${Math.round(stalled)} ms in ${stalls.length} long tasks (max ${Math.round(Math.max(0, ...stalls))} ms)`);
  // Generous: a page that re-sorted or re-rendered per event spends most of the run stalled.
  expect(stalled).toBeLessThan(elapsed * 0.2);
  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});
