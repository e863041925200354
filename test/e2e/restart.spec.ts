/**
 * A restart of the app (issue 14, point 15): a real `quarry serve` is stopped
 * while a file runs and started again on the same data folder. The window
 * opens on the same jobs with the list's filter as it was left (no URL
 * parameters: the view comes from the window's own memory), the interrupted
 * job is back in the queue without an attempt counted against it and runs to
 * the end by itself, and nothing asks the person anything.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { invoke, startServe, type Served } from '../helpers/serve.js';
import { expect, test, watchPage } from './fixture.js';

/** Chromium logs the requests that fail while the server is down. */
const EXPECTED_WHILE_DOWN = [/Failed to load resource/, /ERR_CONNECTION_REFUSED/, /EventSource/];

async function call(s: Served, channel: string, input: unknown) {
  const reply = await invoke(s, channel, input);
  expect(reply.status, reply.text).toBe(200);
  return JSON.parse(reply.text);
}

/** A CSV big enough to be still running when the server stops (tens of MB). */
function bigCsv(file: string): void {
  const rows: string[] = [];
  for (let i = 0; i < 20_000; i++) rows.push(`${i},item ${i},${i * 3},"a longer comment that makes each row heavier ${i}"`);
  const chunk = rows.join('\n') + '\n';
  const fd = openSync(file, 'w');
  writeSync(fd, 'id,name,amount,comment\n');
  for (let i = 0; i < 30; i++) writeSync(fd, chunk);
  closeSync(fd);
}

test('a restart brings back the jobs and the list as it was left; the interrupted job runs again by itself, uncounted, with no prompt', async ({ page }) => {
  test.setTimeout(180_000);
  const data = mkdtempSync(path.join(tmpdir(), 'quarry-restart-'));
  const served: Served[] = [];
  try {
    const files = path.join(data, 'files');
    mkdirSync(files);
    const small = ['a.txt', 'b.txt'].map((n) => path.join(files, n));
    for (const f of small) writeFileSync(f, `the text of ${path.basename(f)}\n`);
    const broken = path.join(files, 'broken.pdf');
    writeFileSync(broken, '%PDF-1.7\nnot really a pdf\n');
    const big = path.join(files, 'big.csv');
    bigCsv(big);

    const first = await startServe(data, {}, 30_000, 0);
    served.push(first);
    const problems = watchPage(page, first.origin, EXPECTED_WHILE_DOWN);
    await call(first, 'jobs.addPaths', { paths: [...small, broken], batch: 'never' });
    await expect
      .poll(async () => (await call(first, 'list.query', { filter: { status: ['completed', 'failed'] }, limit: 0 })).total, { timeout: 60_000 })
      .toBe(3);
    await call(first, 'jobs.addPaths', { paths: [big], batch: 'never' });

    // The window, narrowed to the failed jobs, as a person leaves it.
    await page.goto(`${first.origin}/?token=${first.token}`);
    const table = page.getByRole('table', { name: 'Jobs' });
    await page.getByRole('combobox', { name: 'Status filter' }).selectOption('failed');
    await expect(table.getByRole('row', { name: 'broken.pdf', exact: true })).toBeVisible();
    await expect(table.getByRole('row', { name: 'a.txt', exact: true })).toHaveCount(0);
    await expect.poll(async () => (await call(first, 'list.query', { filter: { status: ['running'] }, limit: 0 })).total, { timeout: 60_000 }).toBe(1);

    // Closed while big.csv runs.
    await first.stop();
    const second = await startServe(data, {}, 30_000, first.port);
    served.push(second);
    expect(second.token).toBe(first.token);

    // Opened again with no list parameters in the address: the filter is the one left.
    await page.goto(`${second.origin}/?token=${second.token}`);
    await expect(page.getByRole('combobox', { name: 'Status filter' })).toHaveValue('failed');
    await expect(table.getByRole('row', { name: 'broken.pdf', exact: true })).toBeVisible();
    await expect(table.getByRole('row', { name: 'a.txt', exact: true })).toHaveCount(0);
    await expect(page).toHaveURL(/status=failed/);
    // Every job is still there.
    expect((await call(second, 'list.query', { filter: {}, limit: 0 })).total).toBe(4);

    // The interrupted job went back to the queue, its attempt not counted, and finishes by itself.
    const { rows } = await call(second, 'list.query', { filter: { text: 'big.csv' }, limit: 5 });
    expect(rows).toHaveLength(1);
    expect(['pending', 'running', 'completed']).toContain(rows[0].status);
    expect(rows[0].retryCount).toBe(0);
    await page.getByRole('combobox', { name: 'Status filter' }).selectOption('all');
    const bigRow = table.getByRole('row', { name: 'big.csv', exact: true });
    await expect(bigRow).toContainText('Completed', { timeout: 120_000 });
    await expect(bigRow).toContainText('1 of');

    // No question was asked at any point: no dialog, no alert.
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await expect(page.getByRole('alertdialog')).toHaveCount(0);
    expect(problems.filter((p) => !/remote request/.test(p))).toEqual([]);
  } finally {
    for (const s of served) await s.stop();
    rmSync(data, { recursive: true, force: true });
  }
});
