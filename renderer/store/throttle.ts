/**
 * Per-key throttle for follow-up requests (a batch's progress after its
 * job.changed): at most one request in flight per key, at most one start per
 * `intervalMs`, and a request asked for meanwhile is never lost — it runs
 * once, after the current one (trailing edge), so the last state is always
 * fetched.
 */
interface KeyState {
  last: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  inFlight: boolean;
  again: boolean;
}

export class KeyedThrottle {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly run: (key: string) => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  request(key: string): void {
    let s = this.keys.get(key);
    if (!s) this.keys.set(key, (s = { last: -Infinity, timer: undefined, inFlight: false, again: false }));
    if (s.timer !== undefined) return; // the scheduled run will see this change
    if (s.inFlight) {
      s.again = true;
      return;
    }
    const wait = s.last + this.intervalMs - Date.now();
    if (wait <= 0) this.start(key, s);
    else s.timer = setTimeout(() => this.start(key, s), wait);
  }

  /** Forgets a key (its batch is gone): a pending run is dropped. */
  forget(key: string): void {
    const s = this.keys.get(key);
    if (s) clearTimeout(s.timer);
    this.keys.delete(key);
  }

  dispose(): void {
    for (const s of this.keys.values()) clearTimeout(s.timer);
    this.keys.clear();
  }

  private start(key: string, s: KeyState): void {
    s.timer = undefined;
    s.inFlight = true;
    s.again = false;
    s.last = Date.now();
    this.run(key)
      .catch(() => undefined) // `run` reports its own failures
      .finally(() => {
        s.inFlight = false;
        if (s.again && this.keys.get(key) === s) {
          s.again = false;
          this.request(key);
        }
      });
  }
}
