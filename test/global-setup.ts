// Tests run the real worker bundle through a real piscina pool, so build the
// Node-side bundles once before any test file runs (esbuild: about a second).
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--node-only'], {
    cwd: root,
    stdio: 'inherit',
  });
}
