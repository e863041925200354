/**
 * Export follows what the person is looking at (issue 13), end to end: the
 * real bridge and engine in Debian's Chromium. The list narrowed to Failed
 * exports as Markdown, narrowed to Completed as SQLite (opened with
 * better-sqlite3), a search's hits and a selection as JSON Lines; each
 * downloaded file is read back.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from '@playwright/test';
import { expect, test, watchPage } from './fixture.js';

const CORRUPT_PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('garbage \x00\x01\x02 not a pdf body \xff\xfe'.repeat(20), 'latin1')]);

async function exportAs(page: Page, scope: string | RegExp, format: RegExp, button: string) {
  const dialog = page.getByRole('dialog', { name: 'Export results' });
  if (!(await dialog.isVisible())) await page.getByRole('button', { name: 'Export', exact: true }).click();
  await dialog.getByRole('radio', { name: scope }).check();
  await dialog.getByRole('radio', { name: format }).check();
  const download = page.waitForEvent('download');
  await dialog.getByRole('button', { name: button, exact: true }).click();
  const file = await download;
  return { name: file.suggestedFilename(), path: await file.path(), status: dialog.getByRole('status', { name: 'Export status' }) };
}

test('export writes the current filter, search or selection as Markdown, SQLite and JSON Lines', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const table = page.getByRole('table', { name: 'Jobs' });
  const names = ['granite.txt', 'prices.csv', 'broken.pdf'];
  writeFileSync(path.join(files, 'granite.txt'), 'Granite blocks were cut here in 1907.\nThe quarry closed in 1960.\n');
  writeFileSync(path.join(files, 'prices.csv'), 'item,price\nhammer,12.50\nchisel,8.00\n');
  writeFileSync(path.join(files, 'broken.pdf'), CORRUPT_PDF);

  await page.goto(bridge.url);
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Add files' }).click();
  await (await chooser).setFiles(names.map((n) => path.join(files, n)));
  await expect(table.getByRole('row', { name: 'broken.pdf', exact: true })).toContainText('Failed');
  await expect(table.getByRole('row', { name: 'granite.txt', exact: true })).toContainText('Completed');
  await expect(table.getByRole('row', { name: 'prices.csv', exact: true })).toContainText('Completed');

  await test.step('the Failed filter, as Markdown: one file, a section for the failed PDF with its error', async () => {
    await page.getByRole('button', { name: /^Failed: 1$/ }).click();
    const md = await exportAs(page, 'Failed files', /^Markdown ·/, 'Export Markdown');
    expect(md.name).toBe('quarry-results.md');
    const text = readFileSync(md.path, 'utf8');
    expect(text).toMatch(/^# Quarry export/);
    expect(text).toContain('## broken.pdf');
    expect(text).toMatch(/- Error: \w+ \(permanent\)/);
    expect(text).not.toContain('granite.txt');
    await expect(md.status).toHaveText('1 document written to quarry-results.md (downloaded). Failed files.');
    await page.keyboard.press('Escape');
  });

  await test.step('the Completed filter, as SQLite: a database with the documents, their tables and metadata', async () => {
    await page.getByRole('button', { name: /^Completed: 2$/ }).click();
    const db = await exportAs(page, 'Completed files', /^SQLite ·/, 'Export SQLite');
    expect(db.name).toBe('quarry-results.sqlite');
    const x = new Database(db.path, { readonly: true });
    try {
      expect(x.prepare('SELECT file_name FROM documents ORDER BY file_name').pluck().all()).toEqual(['granite.txt', 'prices.csv']);
      expect(x.prepare(`SELECT text FROM documents WHERE file_name = 'granite.txt'`).pluck().get()).toContain('Granite blocks');
      const rows = x.prepare(`SELECT t.rows FROM tables t JOIN documents d ON d.id = t.document_id WHERE d.file_name = 'prices.csv'`).pluck().get() as string;
      expect(JSON.parse(rows)).toContainEqual(['hammer', '12.50']);
      expect(x.prepare(`SELECT value FROM export_info WHERE key = 'filter'`).pluck().get()).toBe('{"statuses":["completed"]}');
    } finally {
      x.close();
    }
    await expect(db.status).toHaveText('2 documents written to quarry-results.sqlite (downloaded). Completed files.');
    await page.keyboard.press('Escape');
  });

  await test.step('a selected row, as JSON Lines: only it', async () => {
    await page.getByRole('button', { name: /^Total: 3$/ }).click();
    await page.getByRole('checkbox', { name: 'Select prices.csv' }).check();
    const jl = await exportAs(page, 'The 1 selected file', /^JSON Lines ·/, 'Export JSON Lines');
    const recs = readFileSync(jl.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { fileName: string });
    expect(recs.map((r) => r.fileName)).toEqual(['prices.csv']);
    await page.keyboard.press('Escape');
    await page.getByRole('checkbox', { name: 'Select prices.csv' }).uncheck();
  });

  await test.step('a search, as JSON Lines: the files it finds', async () => {
    await page.goto(`${bridge.origin}/#/search?q=${encodeURIComponent('quarry 1907')}`);
    const jl = await exportAs(page, 'Files matching “quarry 1907”', /^JSON Lines ·/, 'Export JSON Lines');
    const recs = readFileSync(jl.path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { fileName: string });
    expect(recs.map((r) => r.fileName)).toEqual(['granite.txt']);
  });

  expect(problems).toEqual([]);
});
