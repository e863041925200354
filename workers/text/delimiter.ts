/**
 * Delimiter sniffing shared by format detection (is this CSV/TSV at all?)
 * and the CSV extractor (which delimiter?), so the two never disagree.
 *
 * A real delimiter appears the same number of times on (nearly) every
 * record; prose commas do not. Counting is quote-aware so embedded
 * delimiters and newlines inside "..." fields do not skew it.
 */

export const DELIMITERS = ['\t', ';', ',', '|'] as const;
export type Delimiter = (typeof DELIMITERS)[number];

export interface DelimiterScore {
  delimiter: Delimiter;
  /** Most common number of delimiters per record. */
  mode: number;
  /** Share of records whose count equals the mode (0..1). */
  consistency: number;
  records: number;
}

/**
 * Scores each candidate over the first `maxRecords` records of `sample`.
 * `complete` says whether `sample` is the whole file; if not, the last
 * (possibly cut) record is ignored.
 */
export function scoreDelimiters(sample: string, complete: boolean, candidates: readonly Delimiter[] = DELIMITERS, maxRecords = 100): DelimiterScore[] {
  const perRecord: Array<Record<string, number>> = [];
  let counts: Record<string, number> = {};
  let inQuotes = false;
  let fieldStart = true;
  let recordHasContent = false;
  let i = 0;
  const endRecord = () => {
    if (recordHasContent) perRecord.push(counts);
    counts = {};
    recordHasContent = false;
    fieldStart = true;
  };
  for (; i < sample.length && perRecord.length < maxRecords; i++) {
    const ch = sample[i]!;
    if (inQuotes) {
      if (ch === '"') {
        if (sample[i + 1] === '"') i++;
        else inQuotes = false;
      }
      continue;
    }
    if (ch === '"' && fieldStart) {
      inQuotes = true;
      fieldStart = false;
      recordHasContent = true;
      continue;
    }
    if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && sample[i + 1] === '\n') i++;
      endRecord();
      continue;
    }
    if ((candidates as readonly string[]).includes(ch)) {
      counts[ch] = (counts[ch] ?? 0) + 1;
      fieldStart = true;
      recordHasContent = true;
      continue;
    }
    fieldStart = false;
    if (ch !== ' ') recordHasContent = true;
  }
  // The last record counts only if the sample really ended there.
  if (complete && i >= sample.length && !inQuotes) endRecord();

  return candidates.map((delimiter) => {
    const freq = new Map<number, number>();
    for (const r of perRecord) {
      const n = r[delimiter] ?? 0;
      freq.set(n, (freq.get(n) ?? 0) + 1);
    }
    let mode = 0;
    let best = 0;
    for (const [n, f] of freq) {
      if (f > best || (f === best && n > mode)) {
        mode = n;
        best = f;
      }
    }
    return { delimiter, mode, consistency: perRecord.length ? best / perRecord.length : 0, records: perRecord.length };
  });
}

/**
 * Best delimiter, or null when none is used consistently. `prefer` wins
 * ties and is kept whenever it is itself plausible (e.g. tab for a .tsv).
 */
export function sniffDelimiter(
  sample: string,
  complete: boolean,
  opts: { prefer?: Delimiter; minConsistency?: number; minRecords?: number } = {},
): DelimiterScore | null {
  const minConsistency = opts.minConsistency ?? 0.8;
  const minRecords = opts.minRecords ?? 1;
  const scores = scoreDelimiters(sample, complete).filter((s) => s.mode > 0 && s.records >= minRecords && s.consistency >= minConsistency);
  if (scores.length === 0) return null;
  const preferred = scores.find((s) => s.delimiter === opts.prefer);
  if (preferred) return preferred;
  scores.sort((a, b) => b.consistency - a.consistency || b.mode - a.mode);
  return scores[0]!;
}
