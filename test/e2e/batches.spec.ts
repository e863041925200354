/**
 * Batches, intake options and automation in the dashboard, end to end
 * against the real bridge and engine: a folder becomes a batch with its own
 * progress and failure policy, the table narrows to a batch's files, a batch
 * is paused and resumed, a drop runs a chosen pipeline, and schedules and
 * watch folders are managed from the "Pipelines & automation" area. Found by
 * role and name, as a screen-reader user would.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { dropOnWindow, expect, goTo, intakeOptions, root, test, watchPage } from './fixture.js';

const CORRUPT_PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('garbage \x00\x01\x02 not a pdf body \xff\xfe'.repeat(20), 'latin1')]);

/** Refusals the tests provoke on purpose: Chromium logs each 4xx answer as a console error. */
const EXPECTED_REFUSALS = [/Failed to load resource: the server responded with a status of 4\d\d/];

function ui(page: Page) {
  const batches = page.getByRole('table', { name: 'Batches' });
  const jobs = page.getByRole('table', { name: 'Jobs' });
  return {
    batches,
    jobs,
    batchRow: (name: string) => batches.getByRole('row', { name, exact: true }),
    jobRow: (name: string) => jobs.getByRole('row', { name, exact: true }),
    intakeStatus: page.getByRole('status', { name: 'Intake status' }),
    scope: page.getByRole('status', { name: 'Table scope' }),
    alerts: page.getByRole('alert'),
  };
}

test('a folder becomes a batch with a policy and progress; a pipeline is chosen; schedules and watch folders are managed', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin, EXPECTED_REFUSALS);
  const { jobs, batchRow, jobRow, intakeStatus, scope, alerts } = ui(page);

  const folder = path.join(files, 'reports');
  mkdirSync(folder);
  writeFileSync(path.join(folder, 'minutes.txt'), 'Minutes of the quarterly meeting.\nEverything went fine.\n');
  writeFileSync(path.join(folder, 'budget.csv'), 'line,amount\nstone,1200\ngravel,340\n');
  writeFileSync(path.join(folder, 'site.html'), '<!doctype html><title>Site</title><h1>Quarry site</h1><p>Open <a href="https://example.org">daily</a>.</p>');
  writeFileSync(path.join(folder, 'broken.pdf'), CORRUPT_PDF);
  const loose = path.join(files, 'loose.txt');
  writeFileSync(loose, 'A file on its own, outside any batch.\n');

  await test.step('the dashboard loads, with the intake options and no batches', async () => {
    await page.goto(bridge.url);
    await goTo(page, 'Batches');
    await expect(page.getByRole('heading', { name: 'Batches' })).toBeVisible();
    await expect(page.getByText('No batches yet')).toBeVisible();
    const options = await intakeOptions(page);
    await expect(options.getByRole('combobox', { name: 'Definition' })).toHaveValue('extract');
    await expect(options.getByRole('combobox', { name: 'If files fail' })).toHaveValue('continue');
    // Max failures only matters with Stop all.
    await expect(options.getByRole('spinbutton', { name: 'Max failures' })).toBeDisabled();
    await options.getByRole('combobox', { name: 'If files fail' }).selectOption('stop_all');
    await expect(options.getByRole('spinbutton', { name: 'Max failures' })).toBeEnabled();
    // Remembered, and summed up in the toolbar.
    await expect(page.getByRole('button', { name: /^Options for new files/ })).toHaveAccessibleName('Options for new files: extract · on failure: stop all');
    await page.keyboard.press('Escape');
    await expect(options).toHaveCount(0);
  });

  await test.step('a single file makes no batch', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Add files' }).click();
    await (await chooser).setFiles([loose]);
    await expect(intakeStatus).toHaveText('Added 1 job.');
    await goTo(page, 'Jobs');
    await expect(jobRow('loose.txt')).toContainText('Completed');
    await goTo(page, 'Batches');
  });

  await test.step('a folder of four files, one corrupt, with "mark warning" becomes one batch', async () => {
    await (await intakeOptions(page)).getByRole('combobox', { name: 'If files fail' }).selectOption('mark_warning');
    await page.keyboard.press('Escape');
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Add folder' }).click();
    await (await chooser).setFiles(folder);
    await expect(intakeStatus).toHaveText('Added 4 jobs to batch “reports”.');

    const row = batchRow('reports');
    await expect(row).toBeVisible();
    const bar = page.getByRole('progressbar', { name: 'Progress of reports' });
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
    await expect(bar).toHaveAttribute('aria-valuetext', '100% (4 of 4 files finished)');
    await expect(row).toContainText('Completed');
    await expect(row).toContainText('Warning');
    await expect(row).toContainText('On failure: Mark warning');
    await expect(row).toContainText('3 completed · 1 failed');
    await expect(row).toContainText('1 of 4 files failed.');
    // Only what the state machine allows: a completed batch can be deleted, nothing else.
    await expect(page.getByRole('button', { name: 'Pause reports' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Cancel reports' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Retry reports' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Delete reports' })).toBeEnabled();

    const batch = (await quarry.invoke('jobs.list', { kind: 'batch' }))[0];
    expect(batch).toMatchObject({ status: 'completed', failureAction: 'mark_warning', warning: '1 of 4 files failed.' });
    // The unscoped table shows the batch's files and the loose one, not the batch itself.
    await goTo(page, 'Jobs');
    await expect(jobs.getByRole('row')).toHaveCount(1 + 5);
    await expect(jobRow('broken.pdf')).toContainText('Failed');
    await goTo(page, 'Batches');
  });

  await test.step('selecting the batch (with the keyboard) narrows the table to its files, and back', async () => {
    const show = page.getByRole('button', { name: 'Show files of reports' });
    await show.focus();
    await page.keyboard.press('Enter');
    await expect(show).toHaveAttribute('aria-pressed', 'true');
    await expect(scope).toHaveText('Showing children of “reports”');
    // The opened batch is a place of its own: its URL survives a reload.
    const batchId = (await quarry.invoke('jobs.list', { kind: 'batch' }))[0].id;
    expect(new URL(page.url()).hash).toBe(`#/batches/${batchId}`);
    await expect(jobs.getByRole('row')).toHaveCount(1 + 4);
    await expect(jobRow('loose.txt')).toHaveCount(0);
    for (const name of ['minutes.txt', 'budget.csv', 'site.html']) await expect(jobRow(name)).toContainText('Completed');
    await expect(jobRow('broken.pdf')).toContainText('Failed');
    await expect(page.getByRole('status', { name: 'Matching jobs' })).toHaveText('4 jobs');
    // The status filter works within the batch.
    await page.getByRole('combobox', { name: 'Status filter' }).selectOption('failed');
    await expect(jobs.getByRole('row')).toHaveCount(1 + 1);
    await page.getByRole('combobox', { name: 'Status filter' }).selectOption('all');

    await page.getByRole('button', { name: 'Show all jobs' }).click();
    await expect(show).toHaveAttribute('aria-pressed', 'false');
    expect(new URL(page.url()).hash).toBe('#/batches');
    await goTo(page, 'Jobs');
    await expect(scope).toHaveText('');
    await expect(jobs.getByRole('row')).toHaveCount(1 + 5);
  });

  await test.step('a drop with the "extract-clean" definition runs that pipeline', async () => {
    const options = await intakeOptions(page);
    await options.getByRole('combobox', { name: 'Definition' }).selectOption('extract-clean');
    await options.getByRole('combobox', { name: 'If files fail' }).selectOption('continue');
    await page.keyboard.press('Escape');
    const drop = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['Clean   me\u00a0up,\tplease.\r\n\r\n\r\nTwo   spaces.\n'], 'messy.txt', { type: 'text/plain' }));
      dt.items.add(new File(['a,b\n 1 , 2 \n'], 'table.csv', { type: 'text/csv' }));
      return dt;
    });
    await dropOnWindow(page, drop);
    await expect(intakeStatus).toHaveText('Added 2 jobs to batch “2 files”, running extract-clean.');
    await goTo(page, 'Batches');
    await expect(batchRow('2 files')).toContainText('Completed');
    await expect(page.getByRole('progressbar', { name: 'Progress of 2 files' })).toHaveAttribute('aria-valuenow', '100');
    await goTo(page, 'Jobs');
    for (const name of ['messy.txt', 'table.csv']) {
      await expect(jobRow(name)).toContainText('Completed');
      await expect(jobRow(name)).toContainText('extract-clean');
    }
    // The engine agrees: each job ran that definition, at its current version.
    const batch = (await quarry.invoke('jobs.list', { kind: 'batch', limit: 1 }))[0];
    const children = await quarry.invoke('jobs.list', { parentId: batch.id });
    expect(children.map((j: any) => [j.fileName, j.definition, j.definitionVersion, j.status]).sort()).toEqual([
      ['messy.txt', 'extract-clean', 1, 'completed'],
      ['table.csv', 'extract-clean', 1, 'completed'],
    ]);
    // Files added without choosing one run the default.
    expect((await quarry.invoke('jobs.list', { search: 'loose.txt' }))[0].definition).toBeNull();
  });

  await test.step('pipelines & automation: definitions are listed', async () => {
    await goTo(page, 'Automation');
    await expect(page.getByRole('heading', { name: 'Pipelines & automation' })).toBeVisible();
    const defs = page.getByRole('table', { name: 'Definitions' });
    await expect(defs.getByRole('row', { name: 'extract', exact: true })).toContainText('v1');
    await expect(defs.getByRole('row', { name: 'extract-clean', exact: true })).toContainText('extract → transform');
    await expect(defs.getByRole('row', { name: 'extract-to-folder', exact: true })).toContainText('extract → transform → export');
  });

  await test.step('a schedule with a bad cron is refused with a readable error; a valid one is listed', async () => {
    const form = page.getByRole('form', { name: 'Add a schedule' });
    await form.getByRole('textbox', { name: 'Name' }).fill('nightly');
    await form.getByRole('textbox', { name: 'Cron' }).fill('every night at 3');
    await form.getByRole('textbox', { name: 'Paths' }).fill(folder);
    await form.getByRole('button', { name: 'Add schedule' }).click();
    await expect(alerts).toContainText('Invalid cron expression "every night at 3"');
    // What was typed stays, to be corrected.
    await expect(form.getByRole('textbox', { name: 'Name' })).toHaveValue('nightly');
    await page.getByRole('button', { name: /^Dismiss: Invalid cron expression/ }).click();
    await expect(alerts).toBeEmpty();

    await form.getByRole('textbox', { name: 'Cron' }).fill('0 3 * * *');
    await form.getByRole('combobox', { name: 'Definition' }).selectOption('extract-clean');
    await form.getByRole('button', { name: 'Add schedule' }).click();
    const item = page.getByRole('list', { name: 'Schedules' }).getByRole('listitem', { name: 'nightly' });
    await expect(item).toContainText('0 3 * * *');
    await expect(item).toContainText('extract-clean');
    await expect(item).toContainText('Next:');
    await expect(form.getByRole('textbox', { name: 'Name' })).toHaveValue('');
    const [schedule] = await quarry.invoke('schedules.list', {});
    expect(schedule).toMatchObject({ name: 'nightly', cron: '0 3 * * *', paths: [folder], enabled: true, jobOptions: { definition: 'extract-clean' } });
    expect(schedule.nextRunAt).toBeGreaterThan(Date.now());

    // A taken name is refused plainly.
    await form.getByRole('textbox', { name: 'Name' }).fill('nightly');
    await form.getByRole('textbox', { name: 'Cron' }).fill('0 4 * * *');
    await form.getByRole('textbox', { name: 'Paths' }).fill(folder);
    await form.getByRole('button', { name: 'Add schedule' }).click();
    await expect(alerts).toContainText('A schedule named "nightly" already exists');
    await page.getByRole('button', { name: /^Dismiss: A schedule named/ }).click();
    for (const field of ['Name', 'Cron', 'Paths']) await form.getByRole('textbox', { name: field }).clear();
    expect(await quarry.invoke('schedules.list', {})).toHaveLength(1);

    await page.getByRole('checkbox', { name: 'Enabled: nightly' }).uncheck();
    await expect(item).toContainText('Disabled');
    expect((await quarry.invoke('schedules.list', {}))[0].enabled).toBe(false);
  });

  await test.step('watch folders: a path that is not a folder is refused; a folder is added and removed', async () => {
    const form = page.getByRole('form', { name: 'Add a watch folder' });
    await expect(form).toContainText('machine running Quarry (the server)');
    await form.getByRole('textbox', { name: 'Folder path' }).fill(path.join(files, 'no-such-folder'));
    await form.getByRole('button', { name: 'Add watch folder' }).click();
    await expect(alerts).toContainText('Cannot watch');
    await expect(alerts).toContainText('it is not a folder');
    await page.getByRole('button', { name: /^Dismiss: Cannot watch/ }).click();

    const inbox = path.join(files, 'inbox');
    mkdirSync(inbox);
    await form.getByRole('textbox', { name: 'Folder path' }).fill(inbox);
    await form.getByRole('button', { name: 'Add watch folder' }).click();
    const list = page.getByRole('list', { name: 'Watch folders' });
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list).toContainText(inbox);
    expect((await quarry.invoke('watches.list', {})).map((w: any) => w.path)).toEqual([inbox]);
  });

  await test.step('screenshot', async () => {
    await expect(alerts).toBeEmpty();
    await page.screenshot({ path: path.join(root, 'test-results/dashboard-batches.png'), fullPage: true });
  });

  await test.step('removing the watch folder; deleting a batch removes its files from the table', async () => {
    await page.getByRole('button', { name: `Remove watch folder ${path.join(files, 'inbox')}` }).click();
    await expect(page.getByText('No watch folders.')).toBeVisible();

    await goTo(page, 'Batches');
    await page.getByRole('button', { name: 'Show files of 2 files' }).click();
    await expect(jobs.getByRole('row')).toHaveCount(1 + 2);
    await page.getByRole('button', { name: 'Delete 2 files' }).click();
    await expect(batchRow('2 files')).toHaveCount(0);
    // Its scope (and its place) went with it.
    await expect.poll(() => new URL(page.url()).hash).toBe('#/batches');
    await goTo(page, 'Jobs');
    await expect(scope).toHaveText('');
    await expect(jobRow('messy.txt')).toHaveCount(0);
    await expect(jobs.getByRole('row')).toHaveCount(1 + 5);
    await expect(alerts).toBeEmpty();
  });

  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});

/** A CSV of about `mb` megabytes: slow enough to watch a batch of them run. */
function bigCsv(file: string, mb: number): void {
  const lines: string[] = [];
  for (let i = 0; i < 10_000; i++) lines.push(`${i},item ${i},${i * 3},"a longer comment that makes each row heavier ${i}"`);
  const chunk = Buffer.from(lines.join('\n') + '\n');
  const parts = [Buffer.from('id,name,amount,comment\n')];
  for (let size = 0; size < mb * 1024 * 1024; size += chunk.length) parts.push(chunk);
  writeFileSync(file, Buffer.concat(parts));
}

test('pausing a batch holds its pending files; resuming runs them', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const { batchRow, jobs, jobRow, intakeStatus, alerts } = ui(page);
  const names = ['slow-1.csv', 'slow-2.csv', 'slow-3.csv', 'slow-4.csv'];
  const paths = names.map((n) => path.join(files, n));
  for (const p of paths) bigCsv(p, 15); // about 2 s each
  const row = batchRow('4 files');
  const bar = page.getByRole('progressbar', { name: 'Progress of 4 files' });
  const children = async (): Promise<any[]> => {
    const [batch] = await quarry.invoke('jobs.list', { kind: 'batch', limit: 1 });
    return quarry.invoke('jobs.list', { parentId: batch.id });
  };
  const count = (list: any[], status: string) => list.filter((j) => j.status === status).length;

  await test.step('one file at a time, four slow files in one batch', async () => {
    await page.goto(bridge.url);
    await goTo(page, 'Settings');
    const concurrency = page.getByRole('spinbutton', { name: 'Concurrency' });
    await concurrency.fill('1');
    await concurrency.press('Enter');
    await expect.poll(async () => (await quarry.invoke('app.info', {})).concurrency).toBe(1);
    await goTo(page, 'Batches');
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Add files' }).click();
    await (await chooser).setFiles(paths);
    await expect(intakeStatus).toHaveText('Added 4 jobs to batch “4 files”.');
    await expect(row).toContainText('Running');
    await expect(row).toContainText('1 running');
  });

  let held = 0;
  await test.step('paused: the running file finishes, the pending ones stay pending', async () => {
    await page.getByRole('button', { name: 'Pause 4 files' }).click();
    await expect(page.getByRole('button', { name: 'Resume 4 files' })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Pause 4 files' })).toHaveCount(0);
    await expect(row).toContainText('Paused');
    await expect(row).toContainText('paused'); // instead of a time left

    // Whatever ran when the pause came finishes; nothing else starts.
    await expect.poll(async () => count(await children(), 'running'), { timeout: 30_000 }).toBe(0);
    const before = await children();
    held = count(before, 'pending');
    expect(held).toBeGreaterThanOrEqual(2);
    expect(before.filter((j) => j.status === 'pending').every((j) => (j.blocked & 1) === 1)).toBe(true);
    await page.waitForTimeout(2_500); // longer than one file takes
    const after = await children();
    expect(count(after, 'pending')).toBe(held);
    expect(count(after, 'running')).toBe(0);

    const done = 4 - held;
    await expect(row).toContainText(`${done} completed · ${held} pending`);
    await expect(bar).toHaveAttribute('aria-valuenow', String(done * 25));
    await expect(row).toContainText('Running'); // the batch itself is still under way

    // The table, narrowed to the batch, shows the same.
    await page.getByRole('button', { name: 'Show files of 4 files' }).click();
    await expect(jobs.getByRole('row')).toHaveCount(1 + 4);
    await expect(jobs.getByRole('row').filter({ hasText: 'Pending' })).toHaveCount(held);
    await expect(jobs.getByRole('row').filter({ hasText: 'Held: its batch is paused.' })).toHaveCount(held);
    await expect(jobs.getByRole('row').filter({ hasText: 'Completed' })).toHaveCount(done);
  });

  await test.step('resumed: the held files run and the batch completes', async () => {
    await page.getByRole('button', { name: 'Resume 4 files' }).click();
    await expect(page.getByRole('button', { name: 'Pause 4 files' })).toBeVisible();
    await expect(row).not.toContainText('Paused');
    await expect(jobs.getByRole('row').filter({ hasText: 'Held: its batch is paused.' })).toHaveCount(0);
    // Files are done and more run: the batch has a pace and a time left (acceptance point 13: ETA).
    // Asked here, not before the pause: waiting for it there let a loaded machine finish too many files to pause.
    await expect(row).toContainText(/[\d.]+ files\/s · about .+ left/, { timeout: 30_000 });
    await expect(row).toContainText('Completed', { timeout: 60_000 });
    await expect(row).toContainText('4 completed');
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
    for (const name of names) await expect(jobRow(name)).toContainText('Completed');
    await expect(page.getByRole('button', { name: 'Pause 4 files' })).toBeDisabled();
    expect((await children()).map((j) => [j.status, j.blocked])).toEqual(Array(4).fill(['completed', 0]));
    await expect(alerts).toBeEmpty();
  });

  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});
