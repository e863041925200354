/**
 * Secrets among a job's options (a password given with --password or "Retry
 * with password"): the store keeps them for the extractor, and every job that
 * leaves the core for a window (a contract answer, a pushed event) carries
 * them hidden. The window only needs to know that one was given.
 */
const SECRET_OPTIONS = ['password'];
export const HIDDEN_SECRET = '(hidden)';

/** How deep answers nest jobs: { jobs: [job] }, { job, events }, { rows: [job] }. */
const MAX_DEPTH = 4;

/** The value with every job's secret options replaced by HIDDEN_SECRET; untouched parts are the same objects. */
export function hideSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, i) => {
      const hidden = hideSecrets(item, depth + 1);
      if (hidden !== item) (copy ??= [...value])[i] = hidden;
    });
    return (copy ?? value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  const record = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(record)) {
    const hidden = key === 'options' ? hideOptions(item) : hideSecrets(item, depth + 1);
    if (hidden !== item) (copy ??= { ...record })[key] = hidden;
  }
  return (copy ?? value) as T;
}

function hideOptions(options: unknown): unknown {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return options;
  const secrets = SECRET_OPTIONS.filter((k) => (options as Record<string, unknown>)[k] !== undefined);
  if (!secrets.length) return options;
  return { ...options, ...Object.fromEntries(secrets.map((k) => [k, HIDDEN_SECRET])) };
}
