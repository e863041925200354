/**
 * Who is working: each `quarry worker` writes a heartbeat into one Redis
 * hash every HEARTBEAT_MS; the owner reads it for the Workers view and to
 * know how many remote threads there are to keep busy.
 */
import type { Redis } from 'ioredis';
import { HEARTBEAT_MS, keys, WORKER_GONE_MS, workerBeatSchema, type WorkerBeat } from './protocol.js';

export async function writeBeat(redis: Redis, prefix: string, beat: WorkerBeat): Promise<void> {
  await redis.hset(keys(prefix).workers, beat.name, JSON.stringify(beat));
}

export async function removeBeat(redis: Redis, prefix: string, name: string): Promise<void> {
  await redis.hdel(keys(prefix).workers, name);
}

/**
 * Every worker that wrote a readable heartbeat, newest first. Workers gone
 * for long are removed from the hash; a malformed entry is ignored (a worker
 * is another machine: its words are checked).
 */
export async function readBeats(redis: Redis, prefix: string, now = Date.now()): Promise<WorkerBeat[]> {
  const all = await redis.hgetall(keys(prefix).workers);
  const beats: WorkerBeat[] = [];
  for (const [name, raw] of Object.entries(all)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      continue;
    }
    const beat = workerBeatSchema.safeParse(parsed);
    if (!beat.success) continue;
    if (now - beat.data.at > 20 * WORKER_GONE_MS) void redis.hdel(keys(prefix).workers, name).catch(() => undefined);
    else beats.push(beat.data);
  }
  return beats.sort((a, b) => b.at - a.at);
}

export function isAlive(beat: WorkerBeat, now = Date.now()): boolean {
  return now - beat.at < WORKER_GONE_MS;
}

/** Caches the live workers' threads for the router, refreshed every heartbeat. */
export class WorkerRegistry {
  private beats: WorkerBeat[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly onChange?: () => void,
  ) {
    this.timer = setInterval(() => void this.refresh(), HEARTBEAT_MS);
    this.timer.unref();
    void this.refresh();
  }

  get workers(): WorkerBeat[] {
    return this.beats;
  }

  /** Threads of the workers alive now. */
  get liveThreads(): number {
    return this.alive().reduce((n, b) => n + b.threads, 0);
  }

  /** The workers alive now. */
  get liveWorkers(): number {
    return this.alive().length;
  }

  private alive(): WorkerBeat[] {
    const now = Date.now();
    return this.beats.filter((b) => isAlive(b, now));
  }

  async refresh(): Promise<void> {
    try {
      const before = this.liveThreads;
      this.beats = await readBeats(this.redis, this.prefix);
      if (this.liveThreads !== before) this.onChange?.();
    } catch {
      // Redis away: keep the last known list; the dispatcher reports the connection.
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
