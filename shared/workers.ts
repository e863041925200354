/**
 * The machines that extract for this queue (the Workers view, `quarry
 * workers`): the owner's own pool, and each remote worker from its heartbeat.
 */
import { z } from 'zod';

export const workerInfoSchema = z.object({
  name: z.string(),
  /** The owner's own extraction host, or a `quarry worker` reached through Redis. */
  kind: z.enum(['local', 'remote']),
  host: z.string(),
  threads: z.number().int().nonnegative(),
  version: z.string(),
  extractorVersions: z.record(z.string(), z.string()),
  /** Some extractor's version differs from the owner's: its results may differ from a local run's. */
  versionMismatch: z.boolean(),
  /** Ids of the jobs it runs now. */
  running: z.array(z.string()),
  /** Since its last heartbeat, ms (0 for the local pool). */
  heartbeatAgeMs: z.number().nonnegative(),
  /** Heard from lately: its threads count. */
  alive: z.boolean(),
  done: z.number().int().nonnegative(),
  failed: z.number().int().nonnegative(),
});
export type WorkerInfo = z.infer<typeof workerInfoSchema>;

export const workersListSchema = z.object({
  /** Remote workers are on (the engine was given a Redis URL, shown without its password). */
  redis: z.string().nullable(),
  workers: z.array(workerInfoSchema),
});
export type WorkersList = z.infer<typeof workersListSchema>;

/**
 * Why a Redis URL is refused, or null when it is fine: redis://host:port[/db]
 * or rediss:// (TLS). Said in the Settings field before asking, and checked
 * again by the contract.
 */
export function redisUrlProblem(url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url.trim());
  } catch {
    return 'Not a URL: write redis://host:6379 (or rediss:// for TLS).';
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') return `A Redis URL starts with redis:// or rediss:// (not ${parsed.protocol}//).`;
  if (!parsed.hostname) return 'The URL names no host.';
  if (parsed.pathname && !/^\/?\d{0,2}$/.test(parsed.pathname)) return 'After the port, only a database number may follow (redis://host:6379/0).';
  if (parsed.search || parsed.hash) return 'A Redis URL takes no ?query or #fragment.';
  return null;
}

const redisUrlSchema = z
  .string()
  .max(2000)
  .superRefine((url, ctx) => {
    const problem = redisUrlProblem(url);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/**
 * The owner's remote-workers setting (desktop app, `npm run serve`),
 * applied without a restart. Every field is optional: what is left out stays.
 */
export const remoteSettingsInputSchema = z
  .object({
    /** Remote workers extract too. */
    enabled: z.boolean().optional(),
    /** Without a password: it goes in `password`, so a form never has to hold the saved one. */
    url: redisUrlSchema.optional(),
    /** The Redis password: a string sets it, null removes it, absent keeps the saved one. */
    password: z.string().max(1000).nullable().optional(),
    /** This machine's threads extract too (off: they only hash; needs remote workers on). */
    localThreads: z.boolean().optional(),
  })
  .strict();
export type RemoteSettingsInput = z.infer<typeof remoteSettingsInputSchema>;

/** The setting as saved and as applied. The password is never sent back, only whether there is one. */
export const remoteSettingsSchema = z.object({
  enabled: z.boolean(),
  /** The URL without its password ('' when none was ever given). */
  url: z.string(),
  hasPassword: z.boolean(),
  localThreads: z.boolean(),
  /** What runs now: remote workers on through this URL (without its password), or null. */
  active: z.string().nullable(),
});
export type RemoteSettings = z.infer<typeof remoteSettingsSchema>;
