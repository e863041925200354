/**
 * The dashboard end to end: Debian Chromium, the real browser bridge, the
 * real engine and its worker pool. Files go in through the UI (file chooser
 * and a synthetic drop), and everything is asserted by role and name, the
 * way a screen-reader user finds it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Papa from 'papaparse';
import { dropOnWindow, expect, goTo, root, test, watchPage } from './fixture.js';

test('files dropped in the browser are extracted, retried, cancelled and exported', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const table = page.getByRole('table', { name: 'Jobs' });
  const row = (name: string) => table.getByRole('row', { name, exact: true });
  const card = (label: string, n: number) => page.getByRole('button', { name: `${label}: ${n}`, exact: true });
  const intakeStatus = page.getByRole('status', { name: 'Intake status' });

  const notes = path.join(files, 'notes.txt');
  const prices = path.join(files, 'prices.csv');
  const corrupt = path.join(files, 'corrupt.pdf');
  writeFileSync(notes, 'Quarry end-to-end notes.\nThe quick brown fox jumps over the lazy dog.\n');
  writeFileSync(prices, 'item,price\nhammer,12.50\nchisel,8.00\n');
  writeFileSync(corrupt, Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('garbage \x00\x01\x02 not a pdf body \xff\xfe'.repeat(20), 'latin1')]));

  await test.step('the dashboard loads through the bridge', async () => {
    await page.goto(bridge.url); // the token is swapped for an HttpOnly cookie
    await expect(page).toHaveTitle('Quarry');
    await expect(page.getByRole('heading', { name: 'Quarry' })).toBeVisible();
    await expect(page.getByText('Browser', { exact: true })).toBeVisible();
    await expect(card('Total', 0)).toBeVisible();
    await expect(table.getByText('No jobs yet')).toBeVisible();
  });

  await test.step('three files go in through "Add files"', async () => {
    const chooser = page.waitForEvent('filechooser');
    await page.getByRole('button', { name: 'Add files' }).click();
    await (await chooser).setFiles([notes, prices, corrupt]);
    await expect(intakeStatus).toHaveText('Added 3 jobs to batch “3 files”.');
  });

  await test.step('two complete; the corrupt PDF fails and says why', async () => {
    await expect(row('notes.txt')).toContainText('Completed');
    await expect(row('prices.csv')).toContainText('Completed');
    await expect(row('corrupt.pdf')).toContainText('Failed');
    await expect(row('corrupt.pdf')).toContainText(/PDF is damaged|invalid pdf/i);
    await expect(row('corrupt.pdf')).toContainText('1 of 4');

    const bar = page.getByRole('progressbar', { name: 'Progress of notes.txt' });
    await expect(bar).toHaveAttribute('aria-valuenow', '100');
    await expect(bar).toHaveAttribute('aria-valuemin', '0');
    await expect(bar).toHaveAttribute('aria-valuemax', '100');

    await expect(card('Total', 3)).toBeVisible();
    await expect(card('Completed', 2)).toBeVisible();
    await expect(card('Failed', 1)).toBeVisible();
    await expect(card('Running', 0)).toBeVisible();

    // Only what the state machine allows is enabled.
    await expect(page.getByRole('button', { name: 'Retry notes.txt' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Cancel notes.txt' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Delete notes.txt' })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Retry corrupt.pdf' })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Cancel corrupt.pdf' })).toBeDisabled();

    // The three files were added together: one batch, partial under the default policy.
    await goTo(page, 'Batches');
    const batch = page.getByRole('table', { name: 'Batches' }).getByRole('row', { name: '3 files', exact: true });
    await expect(batch).toContainText('Partial');
    await expect(batch).toContainText('On failure: Continue');
    await expect(batch).toContainText('2 completed · 1 failed');
    await expect(page.getByRole('progressbar', { name: 'Progress of 3 files' })).toHaveAttribute('aria-valuenow', '100');
    await expect(page.getByRole('button', { name: 'Retry 3 files' })).toBeEnabled();
    await expect(page.getByRole('button', { name: 'Cancel 3 files' })).toBeDisabled();
    await goTo(page, 'Jobs');
  });

  await test.step('filters: the select and the count cards', async () => {
    const filter = page.getByRole('combobox', { name: 'Status filter' });
    await filter.selectOption('failed');
    await expect(table.getByRole('row')).toHaveCount(2); // header + corrupt.pdf
    await expect(row('corrupt.pdf')).toBeVisible();
    await card('Completed', 2).click();
    await expect(filter).toHaveValue('completed');
    await expect(card('Completed', 2)).toHaveAttribute('aria-pressed', 'true');
    await expect(table.getByRole('row')).toHaveCount(3);
    await expect(row('corrupt.pdf')).toHaveCount(0);
    await card('Total', 3).click();
    await expect(filter).toHaveValue('all');
    await expect(table.getByRole('row')).toHaveCount(4);
  });

  await test.step('retrying the corrupt PDF runs it again, and it fails again', async () => {
    const retried = page.waitForResponse((r) => r.url().endsWith('/api/invoke/jobs.retry'));
    await page.getByRole('button', { name: 'Retry corrupt.pdf' }).click();
    const answer = await (await retried).json();
    expect(answer.errors).toEqual([]);
    expect(answer.jobs[0].status).toBe('pending');
    const id: string = answer.jobs[0].id;
    // The engine's history shows the second run (a person's retry resets the
    // automatic-retry counter, so the row reads "1 of 4" again).
    await expect.poll(async () => (await quarry.invoke('jobs.get', { id })).events.filter((e: any) => e.toStatus === 'running').length).toBe(2);
    await expect(row('corrupt.pdf')).toContainText('Failed');
    await expect(row('corrupt.pdf')).toContainText(/PDF is damaged|invalid pdf/i);
    await expect(page.getByRole('button', { name: 'Retry corrupt.pdf' })).toBeEnabled();
    await expect(card('Failed', 1)).toBeVisible();
  });

  await test.step('a long job, dropped onto the window, is cancelled while it runs', async () => {
    // ~85 MB of CSV, built in the page: the slowest thing we can extract quickly.
    const drop = await page.evaluateHandle(() => {
      const lines: string[] = [];
      for (let i = 0; i < 20_000; i++) lines.push(`${i},item ${i},${i * 3},"a longer comment that makes each row heavier ${i}"`);
      const chunk = lines.join('\n') + '\n';
      const parts = ['id,name,amount,comment\n', ...Array.from({ length: 70 }, () => chunk)];
      const dt = new DataTransfer();
      dt.items.add(new File(parts, 'huge.csv', { type: 'text/csv' }));
      return dt;
    });
    await dropOnWindow(page, drop);
    await expect(intakeStatus).toHaveText('Added 1 job.');

    await expect(row('huge.csv')).toContainText('Running');
    await expect(card('Running', 1)).toBeVisible();
    // Progress events arrive while it runs.
    const bar = page.getByRole('progressbar', { name: 'Progress of huge.csv' });
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow'))).toBeGreaterThan(0);
    await expect(row('huge.csv')).toContainText('Running');

    await page.getByRole('button', { name: 'Cancel huge.csv' }).click();
    await expect(row('huge.csv')).toContainText('Cancelled');
    await expect(card('Cancelled', 1)).toBeVisible();
    await expect(card('Running', 0)).toBeVisible();
    await expect(page.getByRole('button', { name: 'Cancel huge.csv' })).toBeDisabled();
    await expect(page.getByRole('button', { name: 'Retry huge.csv' })).toBeEnabled();
  });

  await test.step('export JSON: downloaded, with every finished job', async () => {
    await page.getByRole('button', { name: 'Export', exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'Export results' })).toBeVisible();
    await expect(page.getByRole('radio', { name: 'Every finished file' })).toBeChecked();
    await page.getByRole('radio', { name: /^JSON ·/ }).check();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export JSON', exact: true }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('quarry-results.json');
    const records = JSON.parse(readFileSync(await file.path(), 'utf8')) as any[];
    const byName = new Map(records.map((r) => [r.fileName, r]));
    expect([...byName.keys()].sort()).toEqual(['corrupt.pdf', 'notes.txt', 'prices.csv']); // cancelled jobs are not exported
    expect(byName.get('notes.txt').status).toBe('completed');
    expect(byName.get('notes.txt').text).toContain('The quick brown fox');
    expect(byName.get('prices.csv').tables[0].rows).toContainEqual(['hammer', '12.50']);
    expect(byName.get('corrupt.pdf').status).toBe('failed');
    expect(byName.get('corrupt.pdf').error.message).toMatch(/PDF is damaged|invalid pdf/i);
    await expect(page.getByRole('status', { name: 'Export status' })).toHaveText(
      '3 documents written to quarry-results.json (downloaded). Every finished file.',
    );
  });

  await test.step('export CSV: downloaded, one row a job', async () => {
    await page.getByRole('radio', { name: /^CSV ·/ }).check();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV', exact: true }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('quarry-results.csv');
    const text = readFileSync(await file.path(), 'utf8').replace(/^\uFEFF/, '');
    const { data } = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
    expect(data.map((r) => r.file_name).sort()).toEqual(['corrupt.pdf', 'notes.txt', 'prices.csv']);
    const notesRow = data.find((r) => r.file_name === 'notes.txt')!;
    expect(notesRow.status).toBe('completed');
    expect(notesRow.text).toContain('The quick brown fox');
    expect(data.find((r) => r.file_name === 'corrupt.pdf')!.error).toMatch(/PDF is damaged|invalid pdf/i);
    await expect(page.getByRole('status', { name: 'Export status' })).toHaveText(
      '3 documents written to quarry-results.csv (downloaded). Every finished file.',
    );
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog', { name: 'Export results' })).toHaveCount(0);
  });

  await test.step('screenshot of the dashboard', async () => {
    await page.screenshot({ path: path.join(root, 'test-results/dashboard.png'), fullPage: true });
  });

  await test.step('deleting the cancelled job asks first, then removes its row', async () => {
    await page.getByRole('button', { name: 'Delete huge.csv' }).click();
    await page.getByRole('dialog', { name: 'Delete “huge.csv”?' }).getByRole('button', { name: 'Delete 1 job' }).click();
    await expect(row('huge.csv')).toHaveCount(0);
    await expect(card('Total', 3)).toBeVisible();
    await expect(card('Cancelled', 0)).toBeVisible();
    await expect(page.getByRole('alert')).toBeEmpty();
  });

  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});
