/**
 * The app's side of two CLI options (issue 15), end to end in Debian's
 * Chromium with the real bridge and engine: the export dialog's chunks
 * format with its chunk size and overlap (`quarry export --format chunks
 * --chunk-size N --overlap N`), the downloaded chunks read back; and an
 * encrypted PDF's Error tab, whose message names `--password` and the app's
 * "Retry with password", which opens the file with the password typed there.
 * Screenshots of both at 1280x800 and 1920x1080 go to /tmp/shots/pdf when
 * QUARRY_SHOTS is set.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { makeEncryptedPdf } from '../helpers/fixtures.js';
import { expect, test, watchPage } from './fixture.js';

const SHOTS = process.env.QUARRY_SHOTS ? '/tmp/shots/pdf' : undefined;

async function shoot(page: Page, name: string) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  for (const [w, h] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width: w, height: h });
    await page.screenshot({ path: path.join(SHOTS, `${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
}

async function addFiles(page: Page, files: string[]) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Add files' }).click();
  await (await chooser).setFiles(files);
}

test('the export dialog offers chunks with their size and overlap; the download is cut to that size', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const text = Array.from({ length: 12 }, (_, i) => `Sentence ${i + 1} of the granite notes, on the quarry's north face.`).join(' ');
  writeFileSync(path.join(files, 'notes.txt'), `${text}\n`);
  await page.goto(bridge.url);
  await addFiles(page, [path.join(files, 'notes.txt')]);
  await expect(page.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: 'notes.txt', exact: true })).toContainText('Completed');

  await page.getByRole('button', { name: 'Export', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Export results' });
  await dialog.getByRole('radio', { name: /^Chunks ·/ }).check();
  const size = dialog.getByRole('spinbutton', { name: 'Chunk size' });
  const overlap = dialog.getByRole('spinbutton', { name: 'Overlap' });
  await expect(size).toHaveValue('1000');
  await expect(overlap).toHaveValue('100');

  // An overlap as large as the chunk is refused before anything is sent.
  await size.fill('120');
  await overlap.fill('120');
  await expect(dialog.getByRole('alert')).toHaveText('The overlap must be smaller than the chunk size.');
  await expect(dialog.getByRole('button', { name: 'Export Chunks' })).toBeDisabled();
  await overlap.fill('20');
  await expect(dialog.getByRole('alert')).toHaveCount(0);
  await expect(dialog).toContainText('quarry export --format chunks --chunk-size 120 --overlap 20');
  await shoot(page, 'export-chunks');

  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: 'Export Chunks' }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe('quarry-results.chunks.jsonl');
  const chunks = readFileSync((await file.path())!, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { text: string; fileName: string });
  expect(chunks.length).toBeGreaterThan(5);
  for (const c of chunks) {
    expect(c.text.length).toBeLessThanOrEqual(120);
    expect(c.fileName).toBe('notes.txt');
  }
  expect(problems).toEqual([]);
});

test('an encrypted PDF says how to give its password, and "Retry with password" opens it', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  writeFileSync(
    path.join(files, 'locked.pdf'),
    makeEncryptedPdf({ userPassword: 'granite', ownerPassword: 'owner', text: 'Quarry ledger 1907', title: 'Ledger' }),
  );
  await page.goto(bridge.url);
  await addFiles(page, [path.join(files, 'locked.pdf')]);
  const row = page.getByRole('table', { name: 'Jobs' }).getByRole('row', { name: 'locked.pdf', exact: true });
  await expect(row).toContainText('Failed');
  await row.getByRole('cell').nth(1).click();
  const detail = page.getByRole('region', { name: 'Job detail' });
  await expect(detail.getByRole('tab', { name: 'Error' })).toHaveAttribute('aria-selected', 'true');
  const panel = detail.getByRole('tabpanel');
  await expect(panel).toContainText('PDF is encrypted and needs a password: give it with --password, or in the app with "Retry with password"');
  const form = panel.getByRole('form', { name: 'Retry with password' });
  await shoot(page, 'password-retry');

  // A wrong password: the file fails again, and the form says so.
  await form.getByLabel('This file is encrypted. Its password').fill('basalt');
  await form.getByRole('button', { name: 'Retry with password' }).click();
  await expect(form.getByLabel('The password given does not open it. Another password')).toBeVisible();
  await expect(panel).toContainText('the password given is incorrect');

  await form.getByLabel('The password given does not open it. Another password').fill('granite');
  await form.getByRole('button', { name: 'Retry with password' }).click();
  await expect(row).toContainText('Completed');
  await detail.getByRole('tab', { name: 'Text' }).click();
  await expect(detail.getByLabel('Extracted text')).toContainText('Quarry ledger 1907');
  expect(problems).toEqual([]);
});
