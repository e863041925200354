// `npm test`: builds, then runs every suite (Vitest: unit + integration;
// Playwright: the dashboard in Debian Chromium through the browser bridge;
// Playwright _electron: only where the Electron binary exists), and ends with
// one line totalled over all of them: "tests: N passed, N failed, N skipped",
// after a "SKIPPED (suite): why" line for every reason a test was skipped.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const results = path.join(root, 'test-results');
mkdirSync(results, { recursive: true });
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const ci = !!process.env.CI;
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;
/** "SKIPPED (suite): why" lines, printed together before the totalled line. */
const skipNotes = [];

function run(title, cmd, args, env = {}) {
  console.log(`\n=== ${title}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

// 1. Build everything the suites use (workers, bridge, renderer).
if (run('build', process.execPath, [path.join(root, 'scripts/build.mjs')]) !== 0) {
  console.log('tests: 0 passed, 1 failed');
  process.exit(1);
}

// 2. Vitest: store, scheduler, pool, extractors, CLI, contract.
const vitestJson = path.join(results, 'vitest.json');
const vStatus = run('vitest (unit + integration)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile=${vitestJson}`]);
const v = readJson(vitestJson);
if (v) {
  totals.passed += v.numPassedTests;
  totals.failed += v.numFailedTests;
  totals.skipped += v.numPendingTests + (v.numTodoTests ?? 0);
}
if (vStatus !== 0 && (!v || v.numFailedTests === 0)) broken = true;
for (const [reason, n] of vitestSkipReasons(v)) skipNotes.push(`SKIPPED (vitest): ${reason}${n > 1 ? ` (${n} tests)` : ''}`);

/**
 * Why Vitest tests were skipped: each skip says so through skipWhen (see
 * test/helpers/skip.ts), which puts the reason in the test's meta; a skip
 * without one is named, so it is never silent.
 */
function vitestSkipReasons(report) {
  const counts = new Map();
  for (const file of report?.testResults ?? []) {
    for (const t of file.assertionResults ?? []) {
      if (t.status !== 'skipped' && t.status !== 'todo') continue;
      const reason = t.meta?.skipReason ?? `${t.fullName} (no reason given: skip it with skipWhen from test/helpers/skip.ts)`;
      counts.set(reason, (counts.get(reason) ?? 0) + 1);
    }
  }
  return counts;
}

// 3. Playwright suites.
function playwright(title, config) {
  if (!existsSync(path.join(root, config))) return;
  const json = path.join(results, `${path.basename(config, '.ts')}.json`);
  const status = run(title, bin('playwright'), ['test', '-c', config, '--reporter=list,json'], { PLAYWRIGHT_JSON_OUTPUT_NAME: json });
  const r = readJson(json);
  if (r?.stats) {
    totals.passed += r.stats.expected + (r.stats.flaky ?? 0);
    totals.failed += r.stats.unexpected;
    totals.skipped += r.stats.skipped;
  }
  if (status !== 0 && (!r?.stats || r.stats.unexpected === 0)) broken = true;
  for (const reason of new Set(skipReasons(r?.suites ?? []))) skipNotes.push(`SKIPPED (${title}): ${reason}`);
}

/** The reasons Playwright tests gave for skipping, so a skip is never silent. */
function skipReasons(suites) {
  const out = [];
  for (const suite of suites) {
    out.push(...skipReasons(suite.suites ?? []));
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests ?? []) {
        for (const a of t.annotations ?? []) if (a.type === 'skip' && a.description) out.push(a.description);
      }
    }
  }
  return out;
}

if (existsSync('/usr/bin/chromium')) {
  playwright('playwright (dashboard in Chromium via the browser bridge)', 'playwright.config.ts');
} else if (ci) {
  console.log('\nBrowser end-to-end tests cannot run: /usr/bin/chromium is missing (.ci/run installs Debian chromium).');
  broken = true;
} else {
  skipNotes.push('SKIPPED browser end-to-end tests: Debian Chromium is not installed. Install it with `apt-get install -y chromium` to run them.');
  totals.skipped += 1;
}
playwright('playwright (Electron app; skipped where the Electron binary is absent)', 'playwright.electron.config.ts');

const line = `tests: ${totals.passed} passed, ${totals.failed + (broken ? 1 : 0)} failed, ${totals.skipped} skipped`;
writeFileSync(path.join(results, 'summary.txt'), line + '\n');
if (skipNotes.length) console.log(`\n${skipNotes.join('\n')}`);
console.log(`\n${line}`);
process.exit(totals.failed || broken ? 1 : 0);
