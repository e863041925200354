/**
 * The contract over Electron IPC: one ipcMain handler per channel. Each call
 * is checked for its sender (our page, top frame) and its payload (zod, in
 * dispatch) before any handler runs.
 */
import type { IpcMain, WebContents } from 'electron';
import { CHANNELS, ContractError, IPC_EVENT_CHANNEL, type EventName } from '../shared/contract.js';
import { dispatch, type Handlers } from './core/handlers.js';
import { envelope, isTrustedSender } from './ipc-policy.js';

/** `ipc` is Electron's ipcMain; passed in so this boundary is tested under plain Node. */
export function registerIpc(ipc: Pick<IpcMain, 'handle' | 'removeHandler'>, handlers: Handlers): () => void {
  for (const channel of CHANNELS) {
    ipc.handle(channel, (event, input) =>
      envelope(async () => {
        const frame = event.senderFrame;
        if (!isTrustedSender(frame && { url: frame.url, isTopFrame: frame.parent === null })) {
          throw new ContractError('unauthorized', 'This page may not call Quarry.');
        }
        return dispatch(handlers, channel, input);
      }),
    );
  }
  return () => CHANNELS.forEach((c) => ipc.removeHandler(c));
}

export function pushEvent(target: WebContents, event: EventName, payload: unknown): void {
  if (!target.isDestroyed()) target.send(IPC_EVENT_CHANNEL, event, payload);
}
