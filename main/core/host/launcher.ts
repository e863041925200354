/**
 * How the extraction host process is started: a plain Node child process
 * here, an Electron utility process in the desktop app (main/host-launcher.ts
 * passes its own launcher in; this core knows nothing of Electron).
 */
import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A started host: the few things the engine needs of any process. */
export interface HostProcess {
  readonly pid: number | undefined;
  send(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  /** Called once when the process has ended, for whatever reason. */
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export interface LaunchOptions {
  /** The host's own heap cap (its worker threads have theirs). */
  maxOldSpaceMb: number;
}

export type HostLauncher = (file: string, opts: LaunchOptions) => HostProcess;

/** Finds the built host whether we run from dist/ (app, CLI) or from sources (tests). */
export function defaultHostFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [
    path.join(here, 'host.cjs'), // dist/cli.cjs, dist/serve.cjs
    path.join(here, '..', 'host.cjs'), // dist/main/main.cjs
    path.resolve(here, '../../../dist/host.cjs'), // main/core/host/launcher.ts under vitest
  ];
  const found = candidates.find(existsSync);
  if (!found) throw new Error(`The extraction host was not found (looked in ${candidates.join(', ')}). Run "npm run build".`);
  return found;
}

/** A Node child process, with its stdout and stderr on this process' stderr (stdout may be a pipe of JSON). */
export const nodeLauncher: HostLauncher = (file, opts) => {
  const child = fork(file, [], {
    execArgv: [`--max-old-space-size=${opts.maxOldSpaceMb}`],
    serialization: 'json',
    stdio: ['ignore', 2, 2, 'ipc'],
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => {
      // With a callback, a write to a host that just died (EPIPE: `connected` is
      // not false until its end of the pipe has been read) is handed to it,
      // not thrown as an 'error' event nobody listens to, which would end this
      // process. The death itself is handled by onExit.
      if (child.connected) child.send(message as never, ignoreSendError);
    },
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', listener),
    kill: () => child.kill('SIGKILL'),
  };
};

function ignoreSendError(): void {}
