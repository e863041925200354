/**
 * The extraction host in the desktop app: an Electron utility process (a
 * Node child process would need ELECTRON_RUN_AS_NODE, which the runAsNode
 * fuse turns off). The core sees only the HostLauncher interface; the host
 * script reads process.parentPort (main/core/host/host-process.ts).
 */
import { utilityProcess } from 'electron';
import { hostExecArgv, type HostLauncher } from './core/host/launcher.js';

export const utilityLauncher: HostLauncher = (file, opts) => {
  const child = utilityProcess.fork(file, [], {
    execArgv: hostExecArgv(opts),
    serviceName: 'Quarry extraction host',
    stdio: 'inherit',
  });
  // Messages sent before the process has spawned wait for it.
  let queue: unknown[] | undefined = [];
  child.once('spawn', () => {
    for (const m of queue ?? []) child.postMessage(m);
    queue = undefined;
  });
  return {
    get pid() {
      return child.pid;
    },
    send: (message) => (queue ? queue.push(message) : child.postMessage(message)),
    onMessage: (listener) => child.on('message', listener),
    onExit: (listener) => child.once('exit', (code) => listener(code, null)),
    kill: () => void child.kill(),
  };
};
