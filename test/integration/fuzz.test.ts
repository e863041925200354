/**
 * The fuzzing harness (bench/fuzz, `npm run fuzz`): its mutants are the same
 * for the same seed, byte for byte, and a short seeded run of mutated corpus
 * files through the real engine (its extraction host, its worker threads)
 * ends with no untyped failure, no death of the extraction host that no file
 * was charged with, and no job left running. Hangs are counted by the run
 * but not asserted here: a 20 s limit is a clock, and this machine may be busy.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../bench/fuzz/fuzz';
import { makeMutant } from '../../bench/fuzz/mutants';
import { corpusSeeds } from '../../bench/fuzz/seeds';
import { readZip } from '../../bench/fuzz/zip-stored';
import { skipWhen } from '../helpers/skip';

const root = path.resolve(import.meta.dirname, '../..');
const corpus = path.resolve(root, '../shared/corpus');
const noCorpus = skipWhen(!existsSync(corpus), `${corpus} not found: the fuzz run mutates the real-world corpus that lives next to the repo`);
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The short run of `npm test`; `npm run fuzz -- --per-format 300` is the full bar. */
const SHORT_RUN = { seed: 1, perFormat: 20 };

describe('fuzzing harness', noCorpus, () => {
  it('makes the same mutants for the same seed, byte for byte, and others for another seed', async () => {
    const seeds = corpusSeeds(corpus);
    const digests = async (seed: number) => {
      const out: string[] = [];
      for (const [format, list] of seeds) for (let i = 0; i < 3; i++) out.push(sha((await makeMutant(seed, format, i, list)).bytes));
      return out;
    };
    const first = await digests(7);
    expect(await digests(7)).toEqual(first);
    const other = await digests(8);
    expect(other.filter((d, i) => d !== first[i]).length).toBeGreaterThan(first.length / 2);
  });

  it('damages one XML part of a DOCX and rebuilds a ZIP that opens', async () => {
    const seeds = corpusSeeds(corpus).get('docx')!;
    let index = 0;
    let mutant = await makeMutant(1, 'docx', index, seeds);
    while (!mutant.mutator.startsWith('xml:')) mutant = await makeMutant(1, 'docx', ++index, seeds);
    const before = (await readZip(readFileSync(mutant.seed.abs)))!;
    const after = await readZip(mutant.bytes);
    expect(after, 'the rebuilt ZIP opens').not.toBeNull();
    expect(after!.map((e) => e.name)).toEqual(before.map((e) => e.name));
    const changed = after!.filter((e, i) => !e.data.equals(before[i]!.data)).map((e) => e.name);
    expect(changed).toEqual([mutant.what.split(':')[0]]);
  });

  it('a short seeded run through the real engine: no untyped failure, no uncharged host death, no job left running', async () => {
    const report = await fuzz({
      corpus,
      ...SHORT_RUN,
      timeoutMs: 20_000,
      concurrency: 2,
      out: path.join(root, 'test-results', 'fuzz-failures'),
      root,
      hostFile: path.join(root, 'dist', 'host.cjs'),
    });
    expect(report.rows.length).toBeGreaterThan(10);
    for (const row of report.rows) expect(row.mutants).toBe(SHORT_RUN.perFormat);
    // Each failing case, with the command that replays it, so a red run says what to fix.
    const cases = report.failing.filter((f) => f.problem !== 'hang').map((f) => `[${f.format}] ${f.file}: ${f.reasons.join('; ')} (${f.replay})`);
    expect(cases).toEqual([]);
    expect(report.deaths.uncharged).toBe(0);
    expect(report.rows.map((r) => [r.format, r.untyped, r.left])).toEqual(report.rows.map((r) => [r.format, 0, 0]));
    expect(report.stalled).toBe(false);
  }, 600_000);
});
