/**
 * `npm start`: the desktop app where Electron is installed; otherwise the
 * same dashboard through the browser bridge, with one line saying why.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { serve } from './serve.js';

/**
 * The Electron binary, if it was downloaded. We do not `require('electron')`:
 * since Electron 3x that tries to download a missing binary, which cannot work
 * offline. Same lookup as its index.js, without the download.
 */
function electronBinary(): string | undefined {
  if (process.env.ELECTRON_OVERRIDE_DIST_PATH) return process.env.ELECTRON_OVERRIDE_DIST_PATH;
  try {
    const pkgDir = path.dirname(require.resolve('electron/package.json'));
    const rel = readFileSync(path.join(pkgDir, 'path.txt'), 'utf8').trim();
    const bin = path.join(pkgDir, 'dist', rel);
    return existsSync(bin) ? bin : undefined;
  } catch {
    return undefined; // installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1: no binary
  }
}

const bin = process.env.QUARRY_BROWSER ? undefined : electronBinary();
if (bin) {
  const child = spawn(bin, [path.join(__dirname, 'main', 'main.cjs'), ...process.argv.slice(2)], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  console.log('Electron is not available on this machine (its binary was not downloaded); starting the browser version instead.');
  serve().catch((err: Error) => {
    console.error(`quarry: ${err.message}`);
    process.exit(1);
  });
}
