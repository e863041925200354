/**
 * The browser version's desktop integration, in real Chromium: the tab's
 * title carries the running work's progress ("(0%) Quarry"), and a finished
 * batch raises exactly one notification while the window is in the
 * background (the page is told it has no focus; the Notification API is the
 * browser's own, recorded as it is called); "Download original" in a job's
 * detail saves the job's own source file, and says so when it is gone.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, watchPage } from './fixture.js';

test('the title shows the progress of running batches, and a finished batch raises one notification', async ({ page, context, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  await context.grantPermissions(['notifications'], { origin: bridge.origin });
  await page.addInitScript(() => {
    const w = window as unknown as { __notices: Array<{ title: string; body: string }>; Notification: typeof Notification };
    w.__notices = [];
    const Real = w.Notification;
    class Recorded extends Real {
      constructor(title: string, options?: NotificationOptions) {
        super(title, options);
        w.__notices.push({ title, body: options?.body ?? '' });
      }
    }
    w.Notification = Recorded as typeof Notification;
    // The person is looking at another window.
    document.hasFocus = () => false;
  });
  const notices = () => page.evaluate(() => (window as unknown as { __notices: Array<{ title: string; body: string }> }).__notices);

  const paths = ['a.csv', 'b.csv', 'c.csv'].map((n) => path.join(files, n));
  for (const p of paths) writeFileSync(p, 'name,value\nx,1\ny,2\n');

  await page.goto(bridge.url);
  await expect(page).toHaveTitle('Quarry');
  await quarry.invoke('engine.pause', {});
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Add files' }).click();
  await (await chooser).setFiles(paths);

  // Held by the paused queue: the batch waits at 0%.
  await expect(page).toHaveTitle('(0%) Quarry');
  expect(await notices()).toEqual([]);

  await quarry.invoke('engine.resume', {});
  await expect(page).toHaveTitle('Quarry');
  await expect.poll(notices).toEqual([{ title: '3 files: done', body: '3 files extracted' }]);
  // One per batch: later events of the finished batch raise nothing more.
  await page.waitForTimeout(300);
  expect(await notices()).toHaveLength(1);
  expect(problems).toEqual([]);
});

test('"Download original" in the detail saves the job’s own file under its name; a deleted original is said in the window', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  // Chromium logs the refused HEAD and GET of the deleted original as console errors.
  const problems = watchPage(page, bridge.origin, [/Failed to load resource: the server responded with a status of 404/]);
  const bytes = Buffer.from('name,value\nü,1\n\u0000\u00ff', 'latin1');
  const kept = path.join(files, 'relevé 2024.csv');
  const gone = path.join(files, 'gone.csv');
  writeFileSync(kept, bytes);
  writeFileSync(gone, 'name\nx\n');
  await quarry.invoke('jobs.addPaths', { paths: [kept, gone] });

  await page.goto(bridge.url);
  const jobs = page.getByRole('table', { name: 'Jobs' });
  const detail = page.getByRole('region', { name: 'Job detail' });
  const row = (name: string) => jobs.getByRole('row', { name, exact: true });
  await expect(row('relevé 2024.csv')).toContainText('Completed');
  await expect(row('gone.csv')).toContainText('Completed');

  await row('relevé 2024.csv').getByRole('cell').nth(1).click();
  await expect(detail.getByRole('heading', { name: 'relevé 2024.csv' })).toBeVisible();
  // The browser has no file manager: no "Open file" nor "Show in folder", a download instead.
  await expect(detail.getByRole('button', { name: /^Open / })).toHaveCount(0);
  await expect(detail.getByRole('button', { name: /in its folder/ })).toHaveCount(0);
  const download = page.waitForEvent('download');
  await detail.getByRole('button', { name: 'Download the original of relevé 2024.csv' }).click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('relevé 2024.csv');
  expect(readFileSync((await saved.path())!).equals(bytes)).toBe(true);

  rmSync(gone);
  await row('gone.csv').getByRole('cell').nth(1).click();
  await expect(detail.getByRole('heading', { name: 'gone.csv' })).toBeVisible();
  await detail.getByRole('button', { name: 'Download the original of gone.csv' }).click();
  await expect(detail.getByRole('status').filter({ hasText: 'Could not download' })).toHaveText(
    `Could not download the original: The original file is no longer at ${gone}: it was moved or deleted.`,
  );
  expect(problems).toEqual([]);
});
