/**
 * Case 11: full-text search at scale (issue 13). A store of N documents
 * (100,000 in the full run) is filled through the real completion path
 * (claim, completeMany, then the background indexer's batches), from real
 * text: the corpus' text-like files cut into windows of words, each document
 * two pages, with a word of its own. Then the first page (20 hits, with
 * snippets and the total) of five kinds of query, each timed many times:
 * one word, two words, a phrase, a prefix, and a common word that matches
 * most documents; and `results.get` of a page of text. And what the index
 * costs extraction: the same workload with the index on and off.
 */
import Database from 'better-sqlite3';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Engine } from '../main/core/engine.js';
import { readResultPart } from '../main/core/result-parts.js';
import { JobStore, newOwnerId } from '../main/core/store/job-store.js';
import type { ExtractionResult } from '../shared/extraction.js';
import { emit, freshDb, gc, HOST_FILE, now, removeDb, say, sleep, type Opts } from './lib.js';

const TEXT_EXT = new Set(['.txt', '.md', '.csv', '.tsv', '.html', '.xml', '.json', '.ics', '.vcf', '.rtf', '.eml', '.mbox']);
const WORDS_PER_PAGE = 150;

/** Every word of the corpus' text-like files, in order (tags and punctuation dropped), or a fallback text. */
export function corpusWords(corpus: string | undefined): string[] {
  const words: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory() && e.name !== 'bad' && e.name !== 'LICENSES') walk(p);
      else if (e.isFile() && TEXT_EXT.has(path.extname(e.name).toLowerCase()) && statSync(p).size < 5_000_000) {
        const text = readFileSync(p, 'utf8').replace(/<[^>]*>/g, ' ');
        for (const w of text.split(/[^\p{L}\p{N}'-]+/u)) if (/\p{L}{2,}/u.test(w)) words.push(w);
      }
    }
  };
  if (corpus && existsSync(corpus)) walk(corpus);
  if (words.length < 5_000) {
    const fallback = 'the quarry men cut granite blocks from the hill and carried them down to the river where boats waited for the stone';
    for (let i = 0; i < 400; i++) words.push(...fallback.split(' '));
  }
  return words;
}

/** A small deterministic PRNG (mulberry32): the same documents every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Document i: two pages, each a window of the corpus' words with a few words swapped, and a word of its own. */
function documentResult(i: number, words: string[], rand: () => number): ExtractionResult {
  const page = () => {
    const start = Math.floor(rand() * (words.length - WORDS_PER_PAGE));
    const w = words.slice(start, start + WORDS_PER_PAGE);
    for (let k = 0; k < 5; k++) w[Math.floor(rand() * w.length)] = words[Math.floor(rand() * words.length)]!;
    return w.join(' ');
  };
  const pages = [
    { number: 1, text: `${page()} doc${i}` },
    { number: 2, text: page() },
  ];
  const text = pages.map((p) => p.text).join('\n\f');
  return {
    format: 'text',
    detection: { format: 'text', method: 'sniff' },
    extractor: { name: 'bench', version: '1.0.0' },
    text,
    markdown: text,
    metadata: { title: `Document ${i}` },
    tables: [],
    entities: [],
    pages,
    warnings: [],
    counters: { items: 1, pages: 2 },
  };
}

/** Fills a store with `n` documents through claim + completeMany, each thousand then indexed as the background indexer does (search-index.ts' batches). */
export function fillSearchStore(file: string, n: number, words: string[]): JobStore {
  const store = JobStore.open(file);
  const rand = rng(13);
  const owner = newOwnerId();
  for (let done = 0; done < n;) {
    const size = Math.min(1000, n - done);
    store.add(Array.from({ length: size }, (_, k) => ({ fileName: `doc-${done + k}.txt`, sourcePath: `/bench/docs/doc-${done + k}.txt`, sizeBytes: 2000 })));
    const claimed = store.claim(size, Date.now(), 60_000, owner);
    store.completeMany(claimed.map((job) => ({ job, result: documentResult(Number(job.fileName!.slice(4, -4)), words, rand) })));
    store.indexPending();
    done += claimed.length;
  }
  return store;
}

/** Word frequencies by document (lower-cased), from a sample of the corpus words. */
function pickQueries(words: string[]): Record<string, string> {
  const freq = new Map<string, number>();
  for (const w of words) {
    const k = w.toLowerCase();
    freq.set(k, (freq.get(k) ?? 0) + 1);
  }
  const byFreq = [...freq.entries()].filter(([w]) => /^\p{L}{3,}$/u.test(w)).sort((a, b) => b[1] - a[1]);
  const common = byFreq[0]![0];
  // A word of middling frequency (about 1 in 5,000 words): a few percent of the documents.
  const target = words.length / 5_000;
  const mid = byFreq.filter(([, c]) => c <= target * 2 && c >= target / 2).map(([w]) => w);
  const one = mid[0] ?? byFreq[50]![0];
  const two = `${mid[1] ?? byFreq[60]![0]} ${mid[2] ?? byFreq[70]![0]}`;
  // A phrase: two consecutive words of the text, both frequent enough to be found.
  let phrase = '';
  for (let i = 1000; i < words.length - 1 && !phrase; i++) {
    const [a, b] = [words[i]!.toLowerCase(), words[i + 1]!.toLowerCase()];
    if (a.length > 3 && b.length > 3 && (freq.get(a) ?? 0) > target && (freq.get(b) ?? 0) > target) phrase = `"${a} ${b}"`;
  }
  const prefix = `${(mid[3] ?? byFreq[80]![0]).slice(0, 4)}*`;
  return { 'one word': one, 'two words': two, phrase: phrase || `"${common} ${byFreq[1]![0]}"`, prefix, 'common word': common };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};

export async function searchScale(o: Opts): Promise<void> {
  const n: number = o.docs ?? 100_000;
  const samples: number = o.samples ?? 30;
  const words = corpusWords(o.corpus);
  const file = freshDb('search');
  const t0 = now();
  const store = fillSearchStore(file, n, words);
  say(`${n.toLocaleString('en')} documents (${words.length.toLocaleString('en')} corpus words) stored and indexed in ${((now() - t0) / 1000).toFixed(1)} s`);
  try {
    for (const [kind, query] of Object.entries(pickQueries(words))) {
      const times: number[] = [];
      let total = 0;
      for (let i = 0; i < samples + 3; i++) {
        const t = now();
        const r = store.search({ query, limit: 20 });
        if (i >= 3) times.push(now() - t);
        // Every document must be searched, or the time means nothing.
        if (r.indexing) throw new Error(`${r.indexing} documents were not indexed when "${query}" was timed`);
        total = r.total;
      }
      const key = `search.${kind.replace(' ', '-')}`;
      emit({
        key,
        label: `search, ${kind} (${query}): first page of 20, ${total.toLocaleString('en')} hits`,
        unit: 'ms',
        better: 'lower',
        samples: times,
        info: { docs: n, query, total, p95: pct(times, 0.95) },
      });
    }
    const ids = store.list({ limit: 200 }).map((j) => j.id);
    const times: number[] = [];
    for (let i = 0; i < samples + 3; i++) {
      const t = now();
      await readResultPart(store, { id: ids[i % ids.length]!, part: 'pages', offset: 1, limit: 1 });
      if (i >= 3) times.push(now() - t);
    }
    emit({
      key: 'search.get-page',
      label: 'results.get, one page of text',
      unit: 'ms',
      better: 'lower',
      samples: times,
      info: { docs: n, p95: pct(times, 0.95) },
    });
  } finally {
    store.close();
  }
}

/**
 * Case 11, the index's cost: one workload extracted by a fresh engine with
 * the full-text index, or on a database whose index was dropped (the store
 * then writes none: statements.ts' hasSearchIndex), after the same warm-up.
 * Files per second, start of intake to drained.
 */
export async function indexCost(o: Opts): Promise<void> {
  const { workload: w, index } = o as {
    workload: { key: string; label: string; inputs: string[]; warm: string[]; options: Record<string, unknown> };
    index: boolean;
  };
  const dbPath = freshDb('index');
  if (!index) {
    // Migrations run once, then the index and its trigger go.
    JobStore.open(dbPath).close();
    const db = new Database(dbPath);
    db.exec('DROP TRIGGER IF EXISTS results_fts_delete; DROP TABLE IF EXISTS results_fts;');
    db.close();
  }
  const engine = new Engine({ dbPath, pool: { hostFile: HOST_FILE } }).start();
  try {
    await engine.addPaths(w.warm, { options: { ...w.options, benchWarmUp: true } });
    await engine.drained();
    await sleep(200);
    gc();
    const since = Date.now();
    const t0 = now();
    const cpu0 = process.cpuUsage();
    let lastDone = t0;
    engine.on('job', () => (lastDone = now()));
    await engine.addPaths(w.inputs, { options: w.options });
    await engine.drained();
    const ms = now() - t0;
    // How long drained() waited for the index after the last job's change (the index's tail).
    const tailMs = now() - lastDone;
    const indexer = (engine as unknown as { searchIndex: { stats: { indexed: number; batches: number; heldMs: number } } }).searchIndex.stats;
    // The engine's process (its main thread does every SQLite write): CPU time is what the index adds, whatever the load.
    const cpu = process.cpuUsage(cpu0);
    const files = engine.store.db.prepare(`SELECT count(*) FROM jobs WHERE kind != 'batch' AND created_at >= ?`).pluck().get(since) as number;
    const indexed = engine.store.db.prepare(`SELECT count(*) FROM sqlite_master WHERE name = 'results_fts'`).pluck().get() as number;
    if (indexed !== (index ? 1 : 0)) throw new Error(`the index should be ${index ? 'on' : 'off'}`);
    emit({
      key: `index.${w.key}.${index ? 'on' : 'off'}`,
      label: `${w.label}, index ${index ? 'on' : 'off'}`,
      unit: 'files/s',
      better: 'higher',
      samples: [(files * 1000) / ms],
      info: { files, ms, cpuUsPerFile: (cpu.user + cpu.system) / files, tailMs, ...indexer },
    });
  } finally {
    await engine.close();
    removeDb(dbPath);
  }
}
