/**
 * A metadata value as a person reads it, for Markdown and other text
 * output: GPS as "43.4674, 11.8851", lists joined with commas, nested
 * records as "key: value; key: value", yes/no for booleans. Empty values
 * are left out (undefined): empty strings and lists, and the placeholders
 * some XMP writers leave ("()", "[]", "-").
 */

/** Strings with no letters or digits, only brackets and punctuation: an empty XMP value, not content. */
const EMPTY = /^[\s()[\]{}<>"'`,;:.\-–—_/\\|]*$/;

export function metadataText(value: unknown, depth = 0): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') {
    const s = value.trim();
    return EMPTY.test(s) ? undefined : s;
  }
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (depth > 4) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => metadataText(v, depth + 1)).filter((v): v is string => v !== undefined);
    return items.length ? items.join(', ') : undefined;
  }
  if (typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.latitude === 'number' && typeof o.longitude === 'number') {
      return `${o.latitude}, ${o.longitude}${typeof o.altitude === 'number' ? ` (altitude ${o.altitude} m)` : ''}`;
    }
    const parts = Object.entries(o)
      .map(([k, v]) => [k, metadataText(v, depth + 1)] as const)
      .filter((e): e is readonly [string, string] => e[1] !== undefined)
      .map(([k, v]) => `${k}: ${v}`);
    return parts.length ? parts.join('; ') : undefined;
  }
  return undefined;
}

/** The entries worth showing, as [key, text], in their order. */
export function metadataEntries(metadata: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(metadata)
    .map(([k, v]) => [k, metadataText(v)] as const)
    .filter((e): e is readonly [string, string] => e[1] !== undefined)
    .map(([k, v]) => [k, v]);
}
