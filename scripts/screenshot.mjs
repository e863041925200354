#!/usr/bin/env node
// The README's picture of the window, made the way a person sees it:
//   node scripts/screenshot.mjs [--out docs/dashboard.png] [--wide FILE] [--jobs 10000]
// Needs a build (npm run build) and Chromium (/usr/bin/chromium, or QUARRY_CHROMIUM).
// Starts `dist/serve.cjs` on a fresh data folder, adds a folder of small files
// (text, CSV, JSON, HTML, Markdown; one in twelve a damaged PDF, which fails
// with its reason, added first) through the contract as a drop would, waits until every job
// has finished, and takes the window at 1280×800 (--out, the README's picture)
// and at 1920×1080 (--wide, default test-results/dashboard-1920x1080.png).
// Everything is made in the temp folder and removed afterwards.
import { chromium } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const OUT = path.resolve(ROOT, opt('out', 'docs/dashboard.png'));
const WIDE = path.resolve(ROOT, opt('wide', 'test-results/dashboard-1920x1080.png'));
const JOBS = Number(opt('jobs', '10000'));
const CHROMIUM = process.env.QUARRY_CHROMIUM ?? '/usr/bin/chromium';

const KINDS = [
  ['report', 'txt', (i) => `Quarterly report ${i}\n\nRevenue grew in every region; the north led with a 12% rise.\n`],
  [
    'ledger',
    'csv',
    (i) =>
      `date,account,amount\n2026-03-0${(i % 9) + 1},${1000 + (i % 50)},${(i * 37) % 9000}.50\n2026-03-1${i % 9},${2000 + (i % 40)},${(i * 53) % 7000}.25\n`,
  ],
  ['orders', 'json', (i) => JSON.stringify({ order: i, items: [{ sku: `A-${i % 300}`, qty: (i % 7) + 1 }], paid: i % 3 !== 0 })],
  ['page', 'html', (i) => `<!doctype html><title>Notice ${i}</title><h1>Notice ${i}</h1><p>Opening hours change from <b>May</b>.</p>`],
  ['notes', 'md', (i) => `# Meeting ${i}\n\n- agree the budget\n- review the **contracts**\n`],
];

/** Files added one by one at the end, so the newest rows (on top) mix the formats as a person's day would. */
const RECENT = 14;

/** The damaged scans in one folder, most of the rest in folders of 1,000, the last RECENT alone. */
function makeFiles(dir, n) {
  const scans = path.join(dir, 'scans');
  const docs = path.join(dir, 'documents');
  mkdirSync(scans, { recursive: true });
  mkdirSync(path.join(dir, 'recent'));
  for (let i = 0; i < n; i++) {
    const sub = i >= n - RECENT ? path.join(dir, 'recent') : path.join(docs, `box-${String(Math.floor(i / 1000)).padStart(2, '0')}`);
    mkdirSync(sub, { recursive: true });
    const id = String(i).padStart(5, '0');
    if (i % 12 === 11) writeFileSync(path.join(i >= n - RECENT ? sub : scans, `scan-${id}.pdf`), `%PDF-1.7\n1 0 obj << /Type /Catalog >> truncated ${i}\n`);
    else {
      const [name, ext, body] = KINDS[i % KINDS.length];
      writeFileSync(path.join(sub, `${name}-${id}.${ext}`), body(i));
    }
  }
}

/** Starts `serve` on the data folder; resolves with its URL and token. */
function serve(data) {
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'serve.cjs'), '--data', data, '--port', '0', '--concurrency', '2'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    // Ready when it prints its URL.
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Quarry dashboard: (\S+)/.exec(out);
      if (m) resolve({ child, url: m[1], origin: new URL(m[1]).origin, token: new URL(m[1]).searchParams.get('token') });
    });
  });
}

async function main() {
  const home = mkdtempSync(path.join(os.tmpdir(), 'quarry-shot-'));
  let server;
  let browser;
  try {
    const files = path.join(home, 'files');
    makeFiles(files, JOBS);
    server = await serve(path.join(home, 'data'));
    const invoke = async (channel, input) => {
      const res = await fetch(`${server.origin}/api/invoke/${channel}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      if (!res.ok) throw new Error(`${channel}: ${res.status} ${await res.text()}`);
      return res.json();
    };
    const drained = async () => {
      while ((await invoke('list.query', { filter: { status: ['pending', 'running'] }, limit: 0 })).total > 0) await new Promise((r) => setTimeout(r, 500));
    };
    // The scans first, then the documents: the newest rows, on top, are a mix of formats.
    await invoke('jobs.addPaths', { paths: [path.join(files, 'scans')] });
    await drained();
    await invoke('jobs.addPaths', { paths: [path.join(files, 'documents')] });
    await drained();
    for (const name of readdirSync(path.join(files, 'recent')).sort()) await invoke('jobs.addPaths', { paths: [path.join(files, 'recent', name)] });
    await drained();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
    for (const [file, width, height] of [
      [OUT, 1280, 800],
      [WIDE, 1920, 1080],
    ]) {
      const page = await browser.newPage({ viewport: { width, height } });
      await page.goto(server.url);
      await page.getByRole('table', { name: 'Jobs' }).locator('tr.job-row[data-job-id]').first().waitFor();
      // Fonts and the last pushed counts settle.
      await page.waitForTimeout(800);
      mkdirSync(path.dirname(file), { recursive: true });
      await page.screenshot({ path: file });
      console.log(`${path.relative(ROOT, file)}: ${width}×${height}, ${Math.round(statSync(file).size / 1024)} KB`);
      await page.close();
    }
  } finally {
    await browser?.close();
    if (server) {
      server.child.removeAllListeners('exit');
      server.child.kill('SIGTERM');
      await new Promise((r) => server.child.once('exit', r));
    }
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err?.stack ?? err);
  process.exit(1);
});
