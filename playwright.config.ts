import { defineConfig } from '@playwright/test';

// The dashboard in Debian's Chromium, against the real browser bridge and the
// real engine (the spec starts both in-process). Playwright never downloads a
// browser here. Needs a build first (dist/renderer, dist/workers): `npm test` does it.
export default defineConfig({
  testDir: 'test/e2e',
  // A sub-folder: Playwright empties its outputDir at start, and test-results/
  // also holds the other suites' reports (vitest.json, summary.txt).
  outputDir: 'test-results/e2e',
  workers: 1,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 20_000 },
  use: {
    browserName: 'chromium',
    viewport: { width: 1360, height: 900 },
    acceptDownloads: true,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
});
