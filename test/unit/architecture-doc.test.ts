/**
 * docs/architecture.md stays true: every file it names exists, and every
 * function it names in parentheses after a file is defined in that file.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');
/** `some/path.ts` spans (a slash and an extension); folders end with a slash. */
const named = [...new Set([...doc.matchAll(/`([\w.-]+(?:\/[\w.*-]+)+\/?)`/g)].map((m) => m[1]!))].filter((p) => !p.includes('*'));

describe('docs/architecture.md', () => {
  it('names only files and folders that exist', () => {
    expect(named.length).toBeGreaterThan(30);
    const missing = named.filter((p) => !existsSync(path.join(root, p)));
    expect(missing).toEqual([]);
  });

  it('names functions where they are defined', () => {
    // "`file.ts` (`name`)" or "`name` in `file.ts`"
    const pairs = [
      ...[...doc.matchAll(/`([\w/.-]+\.tsx?)` \(`(\w+)`\)/g)].map((m) => [m[1]!, m[2]!] as const),
      ...[...doc.matchAll(/`(\w+)` in `([\w/.-]+\.tsx?)`/g)].map((m) => [m[2]!, m[1]!] as const),
    ];
    expect(pairs.length).toBeGreaterThan(5);
    const wrong = pairs.filter(
      ([file, name]) =>
        !new RegExp(`\\b(function|class|const|async|private)\\s+${name}\\b|\\b${name}\\s*\\(`).test(readFileSync(path.join(root, file), 'utf8')),
    );
    expect(wrong).toEqual([]);
  });
});
