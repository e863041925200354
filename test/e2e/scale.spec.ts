/**
 * The dashboard under load: a folder of well over 500 files, queued from
 * outside the page (as a watch folder, a schedule or the CLI would), comes as
 * one 'jobs.added' event instead of one per job, then thousands of
 * job.changed events as the files run. The page must reload its windows, keep
 * the batch's progress live, and stay responsive throughout.
 *
 * Responsiveness is asserted by what the page does, not by how long it takes:
 * events are folded into far fewer renders than there are events, and only a
 * window of rows is in the DOM. Wall-clock stalls are printed for the record
 * only; on a loaded 2-core machine they mostly measure the scheduler.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, goTo, test, watchPage } from './fixture.js';

const FILES = 1500;

test('a large batch queued elsewhere shows up, runs live and the page stays responsive', async ({ page, quarry }) => {
  const problems = watchPage(page, quarry.bridge.origin);
  const dir = path.join(quarry.files, 'archive-2024');
  mkdirSync(dir);
  for (let i = 0; i < FILES; i++) writeFileSync(path.join(dir, `note-${String(i).padStart(5, '0')}.txt`), `note ${i}\nquarry\n`);

  // Counts every pushed message the page receives (before the app sees it), and the events in them
  // (a jobs.changed carries the latest states of many jobs: main/core/event-coalescer.ts).
  await page.addInitScript(() => {
    const w = window as unknown as { received: number; messages: number };
    w.received = 0;
    w.messages = 0;
    const add = EventSource.prototype.addEventListener;
    EventSource.prototype.addEventListener = function (this: EventSource, type: string, listener: unknown, options?: unknown) {
      const counted = function (this: EventSource, e: Event) {
        w.messages++;
        w.received += type === 'jobs.changed' ? (JSON.parse((e as MessageEvent<string>).data) as unknown[]).length : 1;
        return (listener as (e: Event) => unknown).call(this, e);
      };
      return add.call(this, type, ['open', 'error'].includes(type) ? (listener as EventListener) : counted, options as AddEventListenerOptions);
    } as typeof add;
  });
  await page.goto(quarry.bridge.url);
  await goTo(page, 'Batches');
  await expect(page.getByText('No batches yet')).toBeVisible();
  // From here on: main-thread stalls over 50 ms, and DOM updates (one
  // MutationObserver callback per render that touched the page).
  await page.evaluate(() => {
    const w = window as unknown as { stalls: number[]; renders: number; received: number; messages: number };
    w.stalls = [];
    w.renders = 0;
    w.received = 0;
    w.messages = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.stalls.push(e.duration);
    }).observe({ entryTypes: ['longtask'] });
    new MutationObserver(() => w.renders++).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
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
  await expect(row).toContainText(`${FILES.toLocaleString('en')} completed`);
  await expect(page.getByRole('button', { name: `Completed: ${FILES}`, exact: true })).toBeVisible();
  await goTo(page, 'Jobs');
  // The list knows every job; only a window of rows is in the DOM.
  await expect(page.getByRole('status', { name: 'Matching jobs' })).toHaveText(`${FILES.toLocaleString('en-US')} jobs`);
  await expect(
    page.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: `note-${FILES - 1}.txt`.replace(/\d+/, (n) => n.padStart(5, '0')) }),
  ).toContainText('Completed');
  expect(await page.getByRole('table', { name: 'Jobs' }).getByRole('row').count()).toBeLessThan(100);

  const { stalls, renders, received, messages } = await page.evaluate(() => {
    const w = window as unknown as { stalls: number[]; renders: number; received: number; messages: number };
    return { stalls: w.stalls, renders: w.renders, received: w.received, messages: w.messages };
  });
  const stalled = stalls.reduce((a, b) => a + b, 0);
  console.log(
    `${FILES} files in ${elapsed} ms; ${received} events in ${messages} messages, ${renders} DOM updates; ` +
      `main thread stalled ${Math.round(stalled)} ms in ${stalls.length} long tasks (max ${Math.round(Math.max(0, ...stalls))} ms)`,
  );
  // Every file's last state reaches the page; the server sends a burst's changes together.
  expect(received).toBeGreaterThanOrEqual(FILES);
  expect(messages).toBeLessThan(FILES / 4);
  // Coalesced: a page that rendered per event would update the DOM about once per event.
  expect(renders).toBeLessThan(received / 4);
  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});
