/**
 * The files a launch asks Quarry to add: "quarry a.pdf b.docx", "Open with
 * Quarry" in the file manager, or the same from a second launch, which the
 * single-instance lock hands to the running app with that launch's working
 * folder. Plain function: what is a file and what is Electron's own.
 */
import path from 'node:path';

export interface ArgvContext {
  /** The folder the launch was made from: relative paths are relative to it (the second instance's, not ours). */
  cwd: string;
  /** A packaged app's argv is [exe, ...files]; in development it is [electron, ...switches, app path, ...files]. */
  packaged: boolean;
}

/** Electron's and Chromium's switches (--inspect, --no-sandbox, --original-process-start-time=…), and macOS's -psn_ process id. */
const isSwitch = (arg: string) => arg.startsWith('-');
/** What a launcher may pass that is not a file on disk. */
const isUrl = (arg: string) => /^[a-z][a-z0-9+.-]+:\/\//i.test(arg);

export function filesFromArgv(argv: readonly string[], ctx: ArgvContext): string[] {
  const rest = argv.slice(1); // the executable
  const files: string[] = [];
  let appPathSkipped = ctx.packaged;
  let afterDashes = false;
  for (const arg of rest) {
    if (!afterDashes && arg === '--') {
      afterDashes = true;
      continue;
    }
    if (!arg || (!afterDashes && isSwitch(arg))) continue;
    if (!appPathSkipped) {
      // Development: the first plain argument is the app (".", or dist/main/main.cjs).
      appPathSkipped = true;
      continue;
    }
    if (isUrl(arg)) continue;
    files.push(path.resolve(ctx.cwd, arg));
  }
  return [...new Set(files)];
}

/**
 * What a second launch asked for. The launch sends its own argv and folder as
 * the lock's additional data (Electron warns that the argv it passes itself
 * may be reordered or carry Chromium's switches); Electron's are the fallback
 * for a launch by an older version. Anything malformed is ignored.
 */
export function secondLaunchFiles(argv: readonly string[], cwd: string, additional: unknown, packaged: boolean): string[] {
  const sent = additional as { argv?: unknown; cwd?: unknown } | null | undefined;
  const ok = !!sent && Array.isArray(sent.argv) && sent.argv.every((a) => typeof a === 'string') && typeof sent.cwd === 'string' && path.isAbsolute(sent.cwd);
  return ok ? filesFromArgv(sent.argv as string[], { cwd: sent.cwd as string, packaged }) : filesFromArgv(argv, { cwd, packaged });
}
