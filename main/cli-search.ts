/**
 * `quarry search QUERY`: full-text search over every extracted result,
 * printing file, page and snippet (or `--json`). Whatever comes from a file
 * is escaped (printable): a file cannot move the terminal's cursor or forge
 * a line. Matched terms are bold only on a terminal. Kept apart from the
 * rest of the CLI so that `quarry search` runs from a bundle of its own
 * (main/search-main.ts): a query answers in about the time Node takes to
 * start, not the time the whole CLI takes to load.
 */
import { Option, type Command } from 'commander';
import { FORMATS } from '../shared/extraction.js';
import { JOB_STATUSES } from '../shared/job.js';
import { MAX_SEARCH_OFFSET, type SearchHit } from '../shared/search.js';
import { CliError, dbOption, err, int, json, out, outStyled, printable, withStore } from './cli-kit.js';

/** How long `quarry search` indexes owed results before it answers (ms): it holds no engine's thread up, yet a person waits. */
const CLI_CATCH_UP_MS = 3_000;

export function registerSearchCommand(program: Command): void {
  program
    .command('search')
    .description('full-text search over every extracted result: words (all must match), "phrases", prefix*, OR, NOT or -word')
    .argument('<query...>', 'what to look for')
    // -word excludes a word: it is part of the query, not an option.
    .allowUnknownOption()
    .addOption(dbOption())
    .addOption(new Option('--format <format>', 'only this format').choices(FORMATS))
    .addOption(new Option('--status <status>', 'only jobs with this status').choices(JOB_STATUSES))
    .option('--batch <id>', 'only the files of this batch (id or prefix)')
    .option('--min-size <size>', 'only files of at least this size (bytes, or 10k, 5M, 1G)', size('min-size'))
    .option('--max-size <size>', 'only files of at most this size', size('max-size'))
    .option('--limit <n>', 'hits to show', int('limit', 1), 20)
    .option('--offset <n>', 'hits to skip (the next page)', int('offset'), 0)
    .option('--json', 'machine-readable output')
    .action((words: string[], o) =>
      withStore(
        o.db,
        (store) => {
          if (o.limit > 200) throw new CliError('--limit is at most 200: page with --offset.');
          if (o.offset > MAX_SEARCH_OFFSET)
            throw new CliError(`--offset is at most ${MAX_SEARCH_OFFSET.toLocaleString('en')}: add words or filters to narrow the search.`);
          const r = store.search(
            {
              query: words.join(' '),
              format: o.format,
              status: o.status,
              batch: o.batch,
              minSize: o.minSize,
              maxSize: o.maxSize,
              limit: o.limit,
              offset: o.offset,
            },
            CLI_CATCH_UP_MS,
          );
          if (o.json) return json(r);
          const bold = !!process.stdout.isTTY;
          for (const hit of r.hits) printHit(hit, bold);
          err(
            r.total
              ? `${r.total} hit${r.total === 1 ? '' : 's'}${r.total > r.hits.length ? ` (showing ${o.offset + 1}–${o.offset + r.hits.length})` : ''}` +
                  (r.rankedAmong ? `; ranked among the newest ${r.rankedAmong.toLocaleString('en')}: add words to narrow it` : '')
              : 'No results.',
          );
          if (r.indexing) err(notIndexedYet(r.indexing, 'search'));
        },
        { readOnly: true },
      ),
    );
}

/** What a search (or an export selected by one) could not look in: results stored but not yet in the index. */
export function notIndexedYet(n: number, what: 'search' | 'export'): string {
  const files = `${n.toLocaleString('en')} file${n === 1 ? ' is' : 's are'} not indexed yet and ${n === 1 ? 'was' : 'were'} not searched`;
  const why = `Quarry's window or \`quarry extract\` indexes them while it runs, and each ${what} indexes some`;
  return what === 'search' ? `${files}: ${why} (run it again).` : `${files}, so the export may lack some matches: ${why} (export again).`;
}

function printHit(hit: SearchHit, bold: boolean): void {
  const [head, snippet] = hitLines(hit, bold);
  out(head);
  outStyled(snippet);
}

/** A hit as two lines, every piece from a file escaped; matched words in bold (ANSI) when `bold`. */
export function hitLines(hit: SearchHit, bold: boolean): [string, string] {
  const where = hit.page !== null ? `  page ${hit.page}` : hit.section ? `  (${printable(hit.section)})` : '';
  const head = `${printable(hit.fileName ?? hit.sourcePath ?? '?')}${where}  (${hit.jobId.slice(0, 8)})`;
  const snippet = hit.snippet
    .map((p) => {
      // A snippet is one line: the text's own line breaks and tabs (a sheet's cells) read as spaces.
      const text = printable(p.text.replace(/[\t\n\r\f\v]+/g, ' '));
      return p.hit && bold ? `\x1b[1m${text}\x1b[22m` : text;
    })
    .join('');
  return [head, `  ${snippet}`];
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** A size option's parser: bytes, or a number with k, M or G (powers of 1024). */
export function size(name: string) {
  return (v: string): number => {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(v);
    const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
    if (!m || unit === undefined) throw new CliError(`--${name}: "${v}" is not a size (use e.g. 20000, 10k, 5M or 1G).`);
    return Math.round(Number(m[1]) * unit);
  };
}
