import type { Transport } from '../../shared/contract.js';
import { bridgeTransport } from './bridge.js';
import { electronTransport } from './electron.js';

/** Electron's preload defines `window.quarry`; anywhere else we are served by the HTTP bridge. */
export function pickTransport(): Transport {
  return window.quarry ? electronTransport(window.quarry) : bridgeTransport();
}
