import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// One config for the renderer build (Vite) and the Node test suites (Vitest).
export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // No remote content at all: everything is bundled.
    assetsInlineLimit: 0,
  },
  test: {
    root: '.',
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
