/**
 * The sandboxed preload: exposes exactly the contract's channels and events as
 * `window.quarry`, and the path of a dropped file. No raw ipcRenderer, nothing
 * else from Node reaches the page.
 */
import { contextBridge, ipcRenderer, webUtils } from 'electron';
import { CHANNELS, EVENT_NAMES, IPC_EVENT_CHANNEL, type Channel, type EventName, type PreloadApi } from '../shared/contract.js';

const channels = new Set<string>(CHANNELS);
const eventNames = new Set<string>(EVENT_NAMES);
const listeners = new Map<string, Set<(payload: unknown) => void>>();

ipcRenderer.on(IPC_EVENT_CHANNEL, (_event, name: string, payload: unknown) => {
  for (const l of listeners.get(name) ?? []) l(payload);
});

const api: PreloadApi = {
  async invoke(channel: Channel, input: unknown) {
    if (!channels.has(channel)) throw new Error(JSON.stringify({ kind: 'unknown_channel', message: `Unknown channel: ${String(channel)}` }));
    const reply = (await ipcRenderer.invoke(channel, input)) as { ok: boolean; value?: unknown; error?: unknown };
    // Errors cross contextBridge as plain Errors: carry the typed error as JSON.
    if (!reply.ok) throw new Error(JSON.stringify(reply.error));
    return reply.value;
  },
  on(event: EventName, listener: (payload: unknown) => void) {
    if (!eventNames.has(event)) throw new Error(`Unknown event: ${String(event)}`);
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event)!.add(listener);
    return () => listeners.get(event)?.delete(listener);
  },
  pathForFile(file: File) {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('quarry', api);
