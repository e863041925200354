/**
 * Reading results in the window (issue 13), end to end in Chromium against
 * the real bridge and engine: a job's detail opened by click and by
 * keyboard, its text, a spreadsheet's table, a failed job's error and
 * history, Markdown rendered without letting the document's HTML in; the
 * detail kept by a reload and closed by Back and Esc; a search from the
 * header whose hit opens a 14-page PDF at the hit's page with the terms
 * marked; "no results" and a refused query told apart.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test, watchPage } from './fixture.js';
import { makeIfc } from '../helpers/fixtures.js';

const CORPUS = '/work/shared/corpus';
const CORRUPT_PDF = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('garbage \x00\x01\x02 not a pdf body \xff\xfe'.repeat(20), 'latin1')]);
/** Refusals the test provokes on purpose: Chromium logs each 4xx answer as a console error. */
const EXPECTED_REFUSALS = [/Failed to load resource: the server responded with a status of 4\d\d/];

const HOSTILE_MD = [
  '# Field notes',
  '',
  'A **bold** claim and a [link](https://example.org/page) and a [bad one](javascript:alert(1)).',
  '',
  '<script>window.__pwned = 1</script>',
  '',
  '<img src="https://example.org/tracker.png" onerror="window.__pwned = 2">',
  '',
  '![a remote picture](https://example.org/picture.png)',
  '',
  '| tool | price |',
  '| --- | ---: |',
  '| hammer | 12.50 |',
  '',
].join('\n');

function ui(page: Page) {
  const jobs = page.getByRole('table', { name: 'Jobs' });
  const detail = page.getByRole('region', { name: 'Job detail' });
  return {
    jobs,
    detail,
    row: (name: string) => jobs.getByRole('row', { name, exact: true }),
    tab: (name: string | RegExp) => detail.getByRole('tab', { name }),
    text: detail.getByLabel('Extracted text'),
  };
}

test('a job opens beside the list; its text, tables, error and history read; search opens a hit at its page', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin, EXPECTED_REFUSALS);
  const { detail, row, tab, text } = ui(page);

  const notes = path.join(files, 'notes.txt');
  writeFileSync(notes, 'Quarry field notes.\nThe obsidian quarry closes at dusk; the granite one never does.\n');
  const corrupt = path.join(files, 'corrupt.pdf');
  writeFileSync(corrupt, CORRUPT_PDF);
  const markdown = path.join(files, 'hostile.md');
  writeFileSync(markdown, HOSTILE_MD);
  const pdf = path.join(CORPUS, 'pdf/tracemonkey.pdf');
  const xlsx = path.join(CORPUS, 'xlsx/KRISHNAPATNAM_LINE_UP.xlsx');
  const csv = path.join(CORPUS, 'csv/normal.csv'); // 1,135 records and a header
  const zip = path.join(CORPUS, 'zip/deflate.zip'); // one file inside: index.js
  await quarry.invoke('jobs.addPaths', { paths: [notes, corrupt, markdown, pdf, xlsx, csv, zip] });

  await page.goto(bridge.url);
  for (const name of ['notes.txt', 'hostile.md', 'tracemonkey.pdf', 'KRISHNAPATNAM_LINE_UP.xlsx', 'normal.csv'])
    await expect(row(name)).toContainText('Completed');
  await expect(row('corrupt.pdf')).toContainText('Failed');

  await test.step('a click on a row opens its detail, addressed by the URL', async () => {
    await row('notes.txt').getByRole('cell').nth(1).click();
    await expect(detail.getByRole('heading', { name: 'notes.txt' })).toBeVisible();
    await expect(page).toHaveURL(/#\/jobs\/[0-9a-f-]{36}$/);
    await expect(tab('Text')).toHaveAttribute('aria-selected', 'true');
    await expect(text).toContainText('The obsidian quarry closes at dusk');
    await expect(row('notes.txt')).toHaveAttribute('aria-current', 'true');
  });

  await test.step('a reload keeps it open; Back closes it', async () => {
    await page.reload();
    await expect(detail.getByRole('heading', { name: 'notes.txt' })).toBeVisible();
    await expect(text).toContainText('granite one never does');
    await page.goBack();
    await expect(detail).toHaveCount(0);
    await expect(page).toHaveURL(/#\/jobs$|\/$/);
  });

  await test.step('Enter on a focused row opens it; its sheet reads under its name', async () => {
    await row('KRISHNAPATNAM_LINE_UP.xlsx').focus();
    await page.keyboard.press('Enter');
    await expect(detail.getByRole('heading', { name: 'KRISHNAPATNAM_LINE_UP.xlsx' })).toBeVisible();
    await tab(/^Tables/).click();
    await expect(page).toHaveURL(/tab=tables/);
    const sheet = detail.getByRole('table', { name: 'KRISHNAPATNAM' });
    await expect(sheet.getByRole('cell', { name: 'VESSELS NAME:' })).toBeVisible();
    await expect(sheet.getByRole('cell', { name: 'MV. ORIENTE GLORIA' })).toBeVisible();
  });

  await test.step('"Export as…" writes this file only', async () => {
    const download = page.waitForEvent('download');
    await detail.getByRole('combobox', { name: 'Export KRISHNAPATNAM_LINE_UP.xlsx' }).selectOption('json');
    const records = JSON.parse(readFileSync((await (await download).path())!, 'utf8'));
    expect(records).toHaveLength(1);
    expect(JSON.stringify(records[0])).toContain('KRISHNAPATNAM_LINE_UP.xlsx');
    await expect(detail.getByRole('status').filter({ hasText: 'Exported as' })).toBeVisible();
  });

  await test.step('another row opens on the same tab; a long table shows its first rows and how many more', async () => {
    await row('normal.csv').getByRole('cell').nth(1).click();
    await expect(detail.getByRole('heading', { name: 'normal.csv' })).toBeVisible();
    await expect(tab(/^Tables/)).toHaveAttribute('aria-selected', 'true');
    const grid = detail.getByRole('tabpanel').getByRole('table').first();
    await expect(grid.getByRole('columnheader', { name: 'CONTENT TYPE' })).toBeVisible();
    await expect(grid.getByRole('row')).toHaveCount(101); // the header and the first 100 records
    await expect(detail.getByText('1,035 more rows')).toBeVisible();
    await detail.getByRole('button', { name: 'Show 500 more' }).click();
    await expect(grid.getByRole('row')).toHaveCount(601);
    await expect(detail.getByText('535 more rows')).toBeVisible();
    // Esc closes the detail; Back then has nothing of it left to close.
    await page.keyboard.press('Escape');
    await expect(detail).toHaveCount(0);
    // The focus is back on the row the detail was about, for the next arrow or Enter.
    await expect(row('normal.csv')).toBeFocused();
  });

  await test.step('a failed job opens on its error, and its history says what happened', async () => {
    await row('corrupt.pdf').getByRole('cell').nth(1).click();
    await expect(tab('Error')).toHaveAttribute('aria-selected', 'true');
    const panel = detail.getByRole('tabpanel');
    await expect(panel).toContainText(/PDF is damaged|invalid pdf/i);
    await expect(panel).toContainText('Permanent');
    await expect(panel).toContainText('1 of 4');
    await tab('History').click();
    const history = detail.getByRole('table', { name: 'History' });
    await expect(history.getByRole('row', { name: /Queued/ })).toBeVisible();
    await expect(history.getByRole('row', { name: /Started/ })).toBeVisible();
    await expect(history.getByRole('row', { name: /Failed/ }).last()).toContainText(/running → failed/);
    // Which worker ran the attempt: this machine's extraction host.
    await expect(
      history
        .getByRole('row', { name: /Failed/ })
        .last()
        .getByRole('cell')
        .nth(4),
    ).toHaveText('local');
    // No result tabs for a job without a result.
    await expect(tab('Text')).toHaveCount(0);
  });

  await test.step("Markdown is rendered, and the document's HTML stays text", async () => {
    await row('hostile.md').getByRole('cell').nth(1).click();
    await tab('Markdown').click();
    const md = detail.getByLabel('Markdown document');
    await expect(md.getByRole('heading', { name: 'Field notes' })).toBeVisible();
    await expect(md.getByRole('link', { name: 'link' })).toHaveAttribute('href', 'https://example.org/page');
    await expect(md.getByRole('link', { name: 'bad one' })).toHaveCount(0);
    await expect(md.getByRole('cell', { name: '12.50' })).toBeVisible();
    await expect(md).toContainText('<script>window.__pwned = 1</script>');
    await expect(md).toContainText('[image: a remote picture]');
    await expect(md.locator('img, script')).toHaveCount(0);
    expect(await page.evaluate(() => (window as { __pwned?: number }).__pwned)).toBeUndefined();
  });

  await test.step('search from the header: ranked hits with the terms marked', async () => {
    await page.locator('body').click({ position: { x: 2, y: 300 } });
    await page.keyboard.press('/');
    const box = page.getByRole('searchbox', { name: 'Search', exact: true });
    await expect(box).toBeFocused();
    await box.fill('"bitwise operations"');
    await box.press('Enter');
    await expect(page).toHaveURL(/#\/search\?q=%22bitwise\+operations%22$/);
    const results = page.getByRole('region', { name: 'Search results' });
    await expect(results.getByRole('status')).toHaveText(/^Results 1–\d+ of \d+$/);
    const first = results.getByRole('listitem').first();
    await expect(first).toContainText('tracemonkey.pdf');
    await expect(first).toContainText('page 11');
    await expect(first.locator('mark').first()).toHaveText(/bitwise operations/i);
  });

  await test.step('a hit opens the file at its page, the terms marked in its text', async () => {
    const results = page.getByRole('region', { name: 'Search results' });
    await results.getByRole('button', { name: 'Open tracemonkey.pdf at page 11' }).click();
    await expect(detail.getByRole('heading', { name: 'tracemonkey.pdf' })).toBeVisible();
    await expect(page).toHaveURL(/#\/search\/[0-9a-f-]{36}\?.*page=11/);
    await expect(detail.getByRole('spinbutton', { name: 'Page' })).toHaveValue('11');
    await expect(detail.getByText('of 14')).toBeVisible();
    const current = text.locator('mark.find-hit.current');
    await expect(current).toHaveText(/bitwise operations/i);
    await expect(current).toBeInViewport();
    // The mark is on page 11's text, not on the first page.
    await expect(text.getByRole('region', { name: 'Page 11' }).locator('mark.find-hit.current')).toHaveCount(1);
    // The results stay beside it; Back closes the detail and keeps them.
    await expect(results.getByRole('listitem').first()).toHaveAttribute('aria-current', 'true');
    await page.goBack();
    await expect(detail).toHaveCount(0);
    await expect(results.getByRole('listitem').first()).toContainText('tracemonkey.pdf');
  });

  await test.step('another hit of the open file moves its text to that page, the first match there in focus', async () => {
    const box = page.getByRole('searchbox', { name: 'Search', exact: true });
    await box.fill('SquirrelFish');
    await box.press('Enter');
    const results = page.getByRole('region', { name: 'Search results' });
    await results.getByRole('button', { name: 'Open tracemonkey.pdf at page 13' }).click();
    await expect(text.getByRole('region', { name: 'Page 13' }).locator('mark.find-hit.current')).toHaveText(/squirrelfish/i);
    await results.getByRole('button', { name: 'Open tracemonkey.pdf at page 10' }).click();
    await expect(detail.getByRole('spinbutton', { name: 'Page' })).toHaveValue('10');
    const current = text.getByRole('region', { name: 'Page 10' }).locator('mark.find-hit.current');
    await expect(current).toHaveText(/squirrelfish/i);
    await expect(current).toBeInViewport();
    await page.keyboard.press('Escape');
    await expect(detail).toHaveCount(0);
  });

  await test.step('a container found by its name lists its files, and each opens', async () => {
    const box = page.getByRole('searchbox', { name: 'Search', exact: true });
    await box.fill('deflate');
    await box.press('Enter');
    const results = page.getByRole('region', { name: 'Search results' });
    await results.getByRole('button', { name: 'Open deflate.zip' }).click();
    await expect(detail.getByRole('heading', { name: 'deflate.zip' })).toBeVisible();
    await tab(/^Files/).click();
    const inside = detail.getByRole('table', { name: 'Files inside' });
    await expect(inside.getByRole('row', { name: /index\.js/ })).toContainText('Completed');
    await inside.getByRole('button', { name: 'index.js' }).click();
    await expect(detail.getByRole('heading', { name: 'index.js' })).toBeVisible();
    await expect(tab('Text')).toHaveAttribute('aria-selected', 'true');
    await expect(text).not.toBeEmpty();
  });

  await test.step('"no results" differs from a query the backend refuses', async () => {
    const box = page.getByRole('searchbox', { name: 'Search', exact: true });
    await box.fill('zzyzx-nothing-like-this');
    await box.press('Enter');
    const results = page.getByRole('region', { name: 'Search results' });
    await expect(results.getByRole('status')).toContainText('No results');
    await expect(results.getByRole('alert')).toHaveCount(0);
    await box.fill('quarry '.repeat(200));
    await box.press('Enter');
    await expect(results.getByRole('alert')).toContainText('The search could not run.');
    await expect(results.getByRole('alert')).toContainText(/1000|too (big|long)/i);
  });

  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});

test('a text too large to keep whole is read in slices, and find reads on to the next match', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const { detail, row, text } = ui(page);

  // Over the 32 MB spool threshold: the store keeps a preview, the full text lives in a file.
  const line = 'The slate quarry ledger records one more cart of stone for the mason.\n';
  const lines = Math.ceil((34 * 1024 * 1024) / line.length);
  const body = line.repeat(4000) + 'Here the ledger mentions the word porphyrogenitus once.\n' + line.repeat(lines - 4000);
  const big = path.join(files, 'ledger.txt');
  writeFileSync(big, body);
  await quarry.invoke('jobs.addPaths', { paths: [big] });

  await page.goto(bridge.url);
  await expect(row('ledger.txt')).toContainText('Completed', { timeout: 90_000 });
  await row('ledger.txt').getByRole('cell').nth(1).click();
  await expect(detail.getByText(`100,000 of ${body.length.toLocaleString('en-US')} characters read`)).toBeVisible();
  const shown = () => text.evaluate((el) => el.textContent!.length);
  expect(await shown()).toBeLessThan(110_000);

  // Reading on: scrolling to the end asks for the next slice, never the whole.
  await text.getByRole('button', { name: 'Read more' }).scrollIntoViewIfNeeded();
  await expect(detail.getByText(`200,000 of ${body.length.toLocaleString('en-US')} characters read`)).toBeVisible();

  // The word is past what is shown: "next match" reads on until it is found.
  const find = detail.getByRole('searchbox', { name: 'Find in text' });
  await find.fill('porphyrogenitus');
  await find.press('Enter');
  await expect(text.locator('mark.find-hit.current')).toHaveText('porphyrogenitus');
  await expect(text.locator('mark.find-hit.current')).toBeInViewport();
  expect(await shown()).toBeLessThan(400_000);

  expect(problems).toEqual([]);
  expect(quarry.engineErrors).toEqual([]);
});

test('search results page through many hits, and filters narrow them', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const paths: string[] = [];
  for (let i = 1; i <= 25; i++) {
    const file = path.join(files, `sample-${String(i).padStart(2, '0')}.txt`);
    writeFileSync(file, `Sample ${i} of the feldspar survey.\n`);
    paths.push(file);
  }
  await quarry.invoke('jobs.addPaths', { paths });
  await expect.poll(async () => (await quarry.invoke('results.search', { query: 'feldspar' })).total, { timeout: 60_000 }).toBe(25);

  await page.goto(`${bridge.url}`);
  const box = page.getByRole('searchbox', { name: 'Search', exact: true });
  await box.fill('feldspar');
  await box.press('Enter');
  const results = page.getByRole('region', { name: 'Search results' });
  await expect(results.getByRole('status')).toHaveText('Results 1–20 of 25');
  await expect(results.getByRole('list', { name: 'Hits' }).getByRole('listitem')).toHaveCount(20);
  await results.getByRole('button', { name: 'Next ›' }).click();
  await expect(results.getByRole('status')).toHaveText('Results 21–25 of 25');
  await expect(page).toHaveURL(/p=2/);
  await page.goBack();
  await expect(results.getByRole('status')).toHaveText('Results 1–20 of 25');

  // A filter no file matches: "no results", with the filters named, not an error.
  await results.getByRole('combobox', { name: 'Format filter' }).selectOption('pdf');
  await expect(results.getByRole('status')).toContainText('No results');
  await expect(results.getByRole('status')).toContainText('with these filters');
  await results.getByRole('button', { name: 'Clear filters' }).click();
  await expect(results.getByRole('status')).toHaveText('Results 1–20 of 25');
  // Added from tomorrow on: nothing yet.
  const tomorrow = new Date(Date.now() + 86_400_000);
  const day = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}`;
  await results.getByLabel('Added from').fill(day);
  await expect(results.getByRole('status')).toContainText('No results');
  await results.getByLabel('Added from').fill('');
  await results.getByLabel('Added until').fill(day);
  await expect(results.getByRole('status')).toHaveText('Results 1–20 of 25');

  expect(problems).toEqual([]);
});

test('a hit among an IFC model’s string values says “in model strings”, and opens the file', async ({ page, quarry }) => {
  const { bridge, files } = quarry;
  const problems = watchPage(page, bridge.origin);
  const file = path.join(files, 'house.ifc');
  const label = "#60=IFCTEXTLITERALWITHEXTENT('Designed by the fixture',#50,.LEFT.,#61,'top-left');";
  writeFileSync(file, makeIfc().replace('ENDSEC;\nEND-ISO', `${label}\nENDSEC;\nEND-ISO`));
  await quarry.invoke('jobs.addPaths', { paths: [file] });
  await expect.poll(async () => (await quarry.invoke('results.search', { query: '"top left"' })).total, { timeout: 60_000 }).toBe(1);

  await page.goto(`${bridge.url}`);
  const box = page.getByRole('searchbox', { name: 'Search', exact: true });
  await box.fill('"top left"');
  await box.press('Enter');
  const results = page.getByRole('region', { name: 'Search results' });
  const hit = results.getByRole('list', { name: 'Hits' }).getByRole('listitem');
  await expect(hit).toHaveCount(1);
  await expect(hit).toContainText('in model strings');
  await expect(hit.locator('mark')).toHaveText('top-left');
  await hit.getByRole('button', { name: 'Open house.ifc' }).click();
  await expect(page).toHaveURL(/#\/search\/[0-9a-f-]{36}/);
  expect(problems).toEqual([]);
});
