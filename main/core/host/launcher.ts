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

/**
 * The host's Node and V8 options, for every launcher. V8 optimises a function
 * once it has run a certain amount of bytecode (its interrupt budget); an
 * extraction runs much library code (pdf.js, parsers) a few times, and the
 * optimising compiler's threads then compete with the extraction threads for
 * the cores. Four times V8's budget (67,584 bytes of bytecode) optimises
 * only what keeps running. Measured on 2 cores, the built extractor in 2 bare
 * threads with and without it: 69 corpus files from a cold start 1.79 ->
 * 1.28 s and 3.4 -> 2.4 CPU s; the same files 10 times 7.7 -> 6.7 s; the
 * corpus PDFs 8 times 3.66 -> 3.02 s, with OCR 8.4 -> 8.0 s; 10,000 small
 * text files 0.97 -> 0.74 s.
 */
export const HOST_V8_FLAGS = ['--interrupt-budget=270336'];

export function hostExecArgv(opts: LaunchOptions): string[] {
  return [`--max-old-space-size=${opts.maxOldSpaceMb}`, ...HOST_V8_FLAGS];
}

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
    execArgv: hostExecArgv(opts),
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
