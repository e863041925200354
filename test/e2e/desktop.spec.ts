/**
 * The browser version's desktop integration, in real Chromium: the tab's
 * title carries the running work's progress ("(0%) Quarry"), and a finished
 * batch raises exactly one notification while the window is in the
 * background (the page is told it has no focus; the Notification API is the
 * browser's own, recorded as it is called).
 */
import { writeFileSync } from 'node:fs';
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
