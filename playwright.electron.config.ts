import { defineConfig } from '@playwright/test';

// The packaged-style Electron app, driven by Playwright's _electron. Runs only
// where the Electron binary exists; elsewhere each test reports why it skipped.
export default defineConfig({
  testDir: 'test/electron',
  outputDir: 'test-results/electron',
  workers: 1,
  retries: 0,
  timeout: 60_000,
});
