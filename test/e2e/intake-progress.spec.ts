/**
 * A big folder's intake shows its progress in the window while it runs
 * (issue 17): the batch is listed as soon as its first files are queued,
 * says "adding files (N so far)" with a count that grows while the folder is
 * walked in chunks, and shows its whole count once the last chunk is in.
 * Real Chromium, the real bridge and engine, a real folder of small files.
 */
import { linkSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect, goTo, test, watchPage } from './fixture.js';

const FILES = 100_000;
const PER_FOLDER = 1_000;

test('a 100,000-file folder shows "adding files" with a growing count while it is queued, then its total', async ({ page, quarry }) => {
  test.setTimeout(240_000);
  const problems = watchPage(page, quarry.bridge.origin);
  const folder = path.join(quarry.files, 'big-folder');
  // Small files, each linked under 1,000 names: a syscall each, where writing them took minutes on a busy machine.
  for (let d = 0; d * PER_FOLDER < FILES; d++) {
    const dir = path.join(folder, `part-${String(d).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    // (A file has at most 65,000 names on ext4: one per folder.)
    const note = path.join(quarry.files, `note-${d}.txt`);
    writeFileSync(note, `A note of part ${d}.\n`);
    for (let i = 0; i < PER_FOLDER; i++) linkSync(note, path.join(dir, `note-${i}.txt`));
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(quarry.bridge.url);
  await goTo(page, 'Batches');
  await expect(page.getByText('No batches yet')).toBeVisible();

  const row = page.getByRole('table', { name: 'Batches' }).getByRole('row', { name: 'big-folder', exact: true });
  const pace = row.locator('.pace');
  const intake = quarry.invoke('jobs.addPaths', { paths: [folder] });
  // While the walk goes on: the batch is there, its files run, and it says how many are in so far.
  const ADDING = /adding files \(([\d,]+) so far\)/;
  await expect(pace).toContainText(ADDING, { timeout: 30_000 });
  const soFar = Number((await pace.textContent())!.match(ADDING)![1]!.replace(/,/g, ''));
  expect(soFar).toBeGreaterThan(0);
  expect(soFar).toBeLessThan(FILES);
  // Pictures of the state while it lasts: kept only if the text still said so after each was taken.
  const shots = '/tmp/shots/intake';
  mkdirSync(shots, { recursive: true });
  for (const [width, height] of [
    [1280, 800],
    [1920, 1080],
  ] as const) {
    await page.setViewportSize({ width, height });
    const shot = await page.screenshot();
    if (ADDING.test((await pace.textContent()) ?? '')) writeFileSync(path.join(shots, `intake-progress-${width}x${height}.png`), shot);
  }
  const out = await intake;
  expect(out.added).toBe(FILES);
  // Once the last chunk is in: no more "adding files", and the counts cover every file.
  await expect(pace).not.toContainText('adding files', { timeout: 30_000 });
  await expect(row.locator('.counts')).toHaveAttribute('title', /^([\d,]+ \w+ · )*[\d,]+ \w+$/);
  const counts = (await row.locator('.counts').getAttribute('title'))!;
  const total = [...counts.matchAll(/([\d,]+) \w+/g)].reduce((n, m) => n + Number(m[1]!.replace(/,/g, '')), 0);
  expect(total).toBe(FILES);
  expect(problems).toEqual([]);
});
