/**
 * Redis connections for the owner and for workers, from one URL:
 * redis://[user:password@]host:port[/db], or rediss:// for TLS.
 */
import { Redis } from 'ioredis';
import { InvalidInputError } from '../errors.js';

export interface RedisConfig {
  url: string;
  /** BullMQ's key prefix: lets several Quarry installations share one Redis (default "quarry"). */
  prefix: string;
}

/** Checks the URL once, so a typo is said at start and not as endless reconnects. */
export function redisConfig(url: string, prefix = 'quarry'): RedisConfig {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`"${redact(url)}" is not a Redis URL (use redis://host:6379 or rediss://:password@host:6380).`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidInputError(`A Redis URL starts with redis:// or rediss:// (got ${parsed.protocol}).`);
  }
  if (!/^[A-Za-z0-9_-]{1,40}$/.test(prefix)) throw new InvalidInputError('The Redis key prefix may hold only letters, digits, "-" and "_".');
  return { url, prefix };
}

/**
 * BullMQ's connection options: blocking commands (a worker waiting for a
 * task) must not give up after a few retries, so maxRetriesPerRequest is null;
 * the client reconnects for as long as Redis is away.
 */
export function bullConnection(config: RedisConfig) {
  return { url: config.url, maxRetriesPerRequest: null, retryStrategy: reconnectDelay };
}

/** A plain client (pub/sub, the workers' heartbeats). */
export function redisClient(config: RedisConfig): Redis {
  return new Redis(config.url, { maxRetriesPerRequest: null, retryStrategy: reconnectDelay, lazyConnect: false });
}

/** Quick at first (a restarted Redis is back in a second), then every 2 s. */
function reconnectDelay(times: number): number {
  return Math.min(100 * times, 2000);
}

/** The URL without its password, for messages and `quarry workers`. */
export function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, (_m, cred: string) => `//${cred.includes(':') ? `${cred.split(':')[0]}:***` : '***'}@`);
}
