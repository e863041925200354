import type { PreloadApi } from '../shared/contract.js';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in a plain browser (the HTTP bridge is used then). */
    quarry?: PreloadApi;
  }
}

export {};
