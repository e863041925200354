// Lint: the checks that catch real bugs (floating promises, unused code)
// and the architecture's dependency rules, so they hold by more than care:
//   renderer -> shared <- main -> workers -> shared
//   no 'electron' in main/core (the engine runs under plain Node);
//   workers import only shared; shared imports no other layer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** no-restricted-imports patterns for a layer: `from` may not import these. */
const forbid = (...groups) => ({
  'no-restricted-imports': ['error', { patterns: groups.map(([group, message]) => ({ group, message })) }],
});

const electron = [
  ['electron'],
  'Electron is used only by the thin glue in main/ (main.ts, window.ts, ipc.ts, preload.ts, host-launcher.ts, desktop/electron-*.ts).',
];
const mainLayer = [['**/main/**', '../main/*', '../../main/*'], 'Only main/ (and tests) may import main/.'];
// The renderer's Workers view (renderer/features/workers) shares the name, not the layer.
const workersLayer = [['**/workers/**', '../workers/*', '../../workers/*', '!**/features/workers/**'], 'Only main/ (and tests) may import workers/.'];
const rendererLayer = [['**/renderer/**', '../renderer/*', '../../renderer/*'], 'Nothing imports the renderer; it talks through shared/contract.ts.'];
const nodeBuiltins = [['node:*'], 'The renderer runs in a sandboxed page: no Node built-ins.'];

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'node_modules/**',
      'bench/.out/**',
      'bench/fuzz/failures/**',
      'test-results/**',
      'playwright-report/**',
      '**/*.cjs',
      '**/*.mjs',
      '**/*.js',
      '!eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts', '**/*.tsx'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      // `ok && run()` and `cond ? a() : b()` as statements are house style.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      // Values cross untyped boundaries (IPC, worker messages, library results) on purpose.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Empty catch blocks and functions are a choice the code comments on.
      '@typescript-eslint/no-empty-function': 'off',
      'no-empty': ['error', { allowEmptyCatch: true }],
      // Control characters in regular expressions are what sanitisers look for.
      'no-control-regex': 'off',
    },
  },
  { files: ['renderer/**'], rules: forbid(mainLayer, workersLayer, electron, nodeBuiltins) },
  { files: ['shared/**'], rules: forbid(mainLayer, workersLayer, rendererLayer, electron) },
  { files: ['workers/**'], rules: forbid(mainLayer, rendererLayer, electron) },
  { files: ['main/core/**'], rules: forbid(rendererLayer, electron) },
  { files: ['main/*.ts'], rules: forbid(rendererLayer) },
  // The desktop's rules are plain functions tested under Node; only its electron-*.ts glue touches Electron.
  { files: ['main/desktop/**'], ignores: ['main/desktop/electron-*.ts'], rules: forbid(rendererLayer, electron) },
  { files: ['main/desktop/electron-*.ts'], rules: forbid(rendererLayer) },
);
