/**
 * The typed client the renderer uses, over any transport. It validates what
 * comes back, so a renderer never trusts a malformed reply or event.
 */
import { z } from 'zod';
import {
  channels,
  ContractError,
  events,
  wireErrorSchema,
  type Channel,
  type EventName,
  type EventPayload,
  type Input,
  type Output,
  type Transport,
} from './contract.js';

export interface Client {
  readonly transport: Transport;
  invoke<C extends Channel>(channel: C, input: Input<C>): Promise<Output<C>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function createClient(transport: Transport): Client {
  return {
    transport,
    async invoke(channel, input) {
      let raw: unknown;
      try {
        raw = await transport.invoke(channel, input);
      } catch (err) {
        throw contractErrorFromTransport(err);
      }
      const parsed = channels[channel].output.safeParse(raw);
      if (!parsed.success) throw new ContractError('internal', `Malformed reply on ${channel}: ${z.prettifyError(parsed.error).slice(0, 500)}`);
      return parsed.data as Output<typeof channel>;
    },
    on(event, listener) {
      return transport.on(event, (payload) => {
        const parsed = events[event].safeParse(payload);
        if (parsed.success) listener(parsed.data as EventPayload<typeof event>);
        else console.warn(`Ignored a malformed ${event} event`, parsed.error.issues);
      });
    },
  };
}

/**
 * Whatever a transport threw, as a ContractError with a readable message.
 * Electron carries an error from main as a plain message, so the typed error
 * travels as JSON inside it (preload.ts) and is decoded here.
 */
export function contractErrorFromTransport(err: unknown): ContractError {
  if (err instanceof ContractError) return err;
  const wire = wireErrorSchema.safeParse((err as { wire?: unknown })?.wire ?? err);
  if (wire.success) return new ContractError(wire.data.kind, wire.data.message, wire.data.issues);
  // Electron prefixes messages of errors thrown in main: recover our JSON payload.
  const msg = err instanceof Error ? err.message : String(err);
  const json = msg.match(/\{"kind".*\}$/)?.[0];
  if (json) {
    try {
      const w = wireErrorSchema.parse(JSON.parse(json));
      return new ContractError(w.kind, w.message, w.issues);
    } catch {
      /* fall through */
    }
  }
  return new ContractError('internal', msg);
}
