/**
 * Transport over Electron IPC: the preload exposes the contract as
 * `window.quarry`. IPC never drops events, so there is nothing to resync.
 */
import type { PreloadApi, Transport } from '../../shared/contract.js';
import { relativePathOf } from './relative-path.js';

export function electronTransport(api: PreloadApi): Transport {
  return {
    kind: 'electron',
    invoke: (channel, input) => api.invoke(channel, input),
    on: (event, listener) => api.on(event, listener),
    async filesToPaths(files) {
      const paths: string[] = [];
      const rejected: Array<{ path: string; reason: string }> = [];
      for (const file of files) {
        const path = api.pathForFile(file);
        if (path) paths.push(path);
        else
          rejected.push({
            path: relativePathOf(file),
            reason: 'It has no location on disk (dragged from another app or a web page?); save it to a folder and add it from there.',
          });
      }
      return { paths, rejected };
    },
  };
}
