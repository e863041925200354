/**
 * Remote workers switched on and off while Quarry runs (the settings'
 * `settings.remote`): starts the owner's side for a Redis URL, moves new
 * extractions to it (SwitchPool), and retires the one it replaces: the tasks
 * no worker has started come back at once and run on the new side, those
 * running may finish for RETIRE_GRACE_MS and then come back too, so no job
 * is stranded in a Redis nobody serves any more.
 */
import type { ExtractionHost } from '../host/client.js';
import type { Remote, RemoteOptions } from './owner.js';
import type { RemoteSetting } from './remote-setting.js';
import { SwitchPool } from './switch-pool.js';

export interface RemoteControlDeps {
  local: ExtractionHost;
  /** What the setting does not say (key prefix, lock, the file endpoint's token). */
  defaults: Omit<RemoteOptions, 'redis' | 'localThreads'>;
  start: (opts: RemoteOptions) => Remote;
  /** The threads that extract changed: the scheduler's concurrency follows. */
  onThreads: () => void;
  onError: (e: Error) => void;
}

/** How often a retired dispatcher is looked at until its last task ends. */
const DRAIN_POLL_MS = 100;
/** How long a retired dispatcher's running tasks may take to end before their jobs run again elsewhere. */
const RETIRE_GRACE_MS = 60_000;

export class RemoteControl {
  readonly pool: SwitchPool;
  private current: Remote | undefined;
  private currentUrl: string | undefined;
  private readonly retiring = new Set<Promise<void>>();

  constructor(private readonly d: RemoteControlDeps) {
    this.pool = new SwitchPool(d.local, d.local);
  }

  get remote(): Remote | undefined {
    return this.current;
  }

  /** The Redis URL remote workers are on through now (with its password: callers redact it). */
  get url(): string | undefined {
    return this.currentUrl;
  }

  /** On from the engine's options (`--redis`); throws on a bad URL. */
  start(opts: RemoteOptions): void {
    this.switchTo(this.d.start(opts), opts.redis);
  }

  /** Applies a saved setting now; throws (and changes nothing) on a URL it cannot use. */
  apply(s: RemoteSetting): void {
    if (!s.enabled) {
      this.retire();
      this.pool.use(this.d.local);
      this.d.onThreads();
      return;
    }
    const localThreads = s.localThreads ? this.d.local.threads : 0;
    if (this.current && this.currentUrl === s.url) {
      this.current.pool.localThreads = localThreads;
      this.d.onThreads();
      return;
    }
    this.switchTo(this.d.start({ ...this.d.defaults, redis: s.url, localThreads }), s.url);
  }

  async close(): Promise<void> {
    const last = this.current;
    this.current = undefined;
    await last?.close();
    await Promise.all(this.retiring);
  }

  private switchTo(next: Remote, url: string): void {
    this.retire();
    this.current = next;
    this.currentUrl = url;
    this.pool.use(next.pool);
    this.d.onThreads();
  }

  /** The current remote takes nothing new; it closes once its tasks in flight have ended. */
  private retire(): void {
    const old = this.current;
    if (!old) return;
    this.current = undefined;
    this.currentUrl = undefined;
    // What no worker has started goes back now, to run on what replaces it; what runs may finish, for a while.
    const done = old.dispatcher
      .handBack()
      .then(() => drained(old, RETIRE_GRACE_MS))
      .then(() => old.dispatcher.handBack({ running: true }))
      .then(() => old.close())
      .catch((e: Error) => this.d.onError(e))
      .finally(() => this.retiring.delete(done));
    this.retiring.add(done);
  }
}

function drained(r: Remote, maxMs: number): Promise<void> {
  const until = Date.now() + maxMs;
  return new Promise((resolve) => {
    const look = () => (r.dispatcher.inFlight === 0 || Date.now() > until ? resolve() : setTimeout(look, DRAIN_POLL_MS).unref?.());
    look();
  });
}
