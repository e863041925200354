/**
 * Transport over the local HTTP bridge: JSON POSTs for requests, one shared
 * Server-Sent Events stream for pushed events, raw uploads for files.
 *
 * Authentication is an HttpOnly cookie the bridge sets when it serves the
 * page, so every request is same-origin with credentials and nothing here
 * ever sees a token.
 */
import { BRIDGE_ROUTES, ContractError, EVENT_NAMES, wireErrorSchema, type EventName, type LinkState, type Transport } from '../../shared/contract.js';
import { relativePathOf } from './relative-path.js';

/** Parallel uploads: enough to hide latency, few enough not to starve the event stream. */
const UPLOAD_CONCURRENCY = 4;
const RECONNECT_MIN_MS = 500;
const RECONNECT_MAX_MS = 10_000;

export function bridgeTransport(): Transport & Required<Pick<Transport, 'onResync' | 'onLink'>> {
  const events = new EventStream();
  return {
    kind: 'browser',
    async invoke(channel, input) {
      const res = await request(BRIDGE_ROUTES.invoke + channel, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
      return res.json();
    },
    on: (event, listener) => events.on(event, listener),
    onResync: (listener) => events.onResync(listener),
    onLink: (listener) => events.onLink(listener),
    async filesToPaths(files) {
      const paths: string[] = [];
      const rejected: Array<{ path: string; reason: string }> = [];
      const names = new Map<string, string>();
      await eachLimited(files, UPLOAD_CONCURRENCY, async (file) => {
        const name = relativePathOf(file);
        try {
          const res = await request(`${BRIDGE_ROUTES.upload}?name=${encodeURIComponent(name)}`, {
            method: 'POST',
            headers: { 'content-type': 'application/octet-stream' },
            body: file,
          });
          const { path } = (await res.json()) as { path?: unknown };
          if (typeof path !== 'string' || !path) throw new ContractError('internal', 'The bridge did not say where it stored the file');
          paths.push(path);
          names.set(path, name);
        } catch (err) {
          rejected.push({ path: name, reason: err instanceof Error ? err.message : String(err) });
        }
      });
      return { paths, rejected, names };
    },
    async download(fileName) {
      // A temporary <a download> lets the browser stream the file to disk
      // instead of holding a possibly large export in memory.
      const a = document.createElement('a');
      a.href = BRIDGE_ROUTES.download + encodeURIComponent(fileName);
      a.download = fileName;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
    },
  };
}

/** fetch with the bridge's conventions: same-origin cookie, WireError bodies on failure. */
async function request(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, credentials: 'same-origin' });
  } catch {
    throw new ContractError('internal', 'Cannot reach the Quarry bridge. Is `quarry serve` still running?');
  }
  if (res.ok) return res;
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  const wire = wireErrorSchema.safeParse(body);
  if (wire.success) throw new ContractError(wire.data.kind, wire.data.message, wire.data.issues);
  const kind = res.status === 401 || res.status === 403 ? 'unauthorized' : res.status === 404 ? 'not_found' : 'internal';
  throw new ContractError(kind, `The bridge answered ${res.status} ${res.statusText}`.trim());
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * One EventSource shared by every listener. EventSource retries by itself
 * after a network error; when the server refuses outright (it then closes
 * for good), we reconnect ourselves with backoff. Every open triggers a
 * resync, since events may have been missed before it.
 */
class EventStream {
  private source: EventSource | undefined;
  private readonly listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  private readonly resyncListeners = new Set<() => void>();
  private readonly linkListeners = new Set<(link: LinkState) => void>();
  private link: LinkState = 'up';
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = RECONNECT_MIN_MS;

  on(event: EventName, listener: (payload: unknown) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener);
    this.connect();
    return () => {
      set.delete(listener);
      if (this.listenerCount() === 0) this.disconnect();
    };
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  onLink(listener: (link: LinkState) => void): () => void {
    this.linkListeners.add(listener);
    return () => this.linkListeners.delete(listener);
  }

  private setLink(link: LinkState): void {
    if (link === this.link) return;
    this.link = link;
    for (const l of this.linkListeners) l(link);
  }

  /** The stream failed for good (an HTTP error, not a dropped connection): a refused key, or a server on its way down? */
  private async probe(): Promise<void> {
    try {
      const res = await fetch(BRIDGE_ROUTES.invoke + 'app.info', {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      if (res.status === 401 || res.status === 403) this.setLink('unauthorized');
    } catch {
      // Unreachable: already 'down'.
    }
  }

  private listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  private connect(): void {
    if (this.source || this.retryTimer) return;
    const source = new EventSource(BRIDGE_ROUTES.events, { withCredentials: true });
    this.source = source;
    for (const name of EVENT_NAMES) source.addEventListener(name, (e) => this.dispatch(name, e as MessageEvent<string>));
    source.onopen = () => {
      this.retryDelay = RECONNECT_MIN_MS;
      this.setLink('up');
      // Also on the first open: the initial load may have raced the stream.
      for (const l of this.resyncListeners) l();
    };
    source.onerror = () => {
      // The stream broke: the engine is gone until it opens again (said at once, not at the next click).
      if (this.link !== 'unauthorized') this.setLink('down');
      // CONNECTING: the browser is already retrying. CLOSED: it gave up.
      if (source.readyState !== EventSource.CLOSED) return;
      void this.probe();
      source.close();
      this.source = undefined;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        if (this.listenerCount() > 0) this.connect();
      }, this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, RECONNECT_MAX_MS);
    };
  }

  private disconnect(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.source?.close();
    this.source = undefined;
  }

  private dispatch(name: EventName, e: MessageEvent<string>): void {
    let payload: unknown;
    try {
      payload = JSON.parse(e.data);
    } catch {
      console.warn(`Ignored a ${name} event that is not JSON`);
      return;
    }
    for (const l of this.listeners.get(name) ?? []) l(payload);
  }
}
