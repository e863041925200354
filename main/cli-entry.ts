/**
 * The `quarry` command (dist/cli.cjs). `quarry search` loads only the search
 * (dist/quarry-search.cjs, main/search-main.ts): a process per query, as a
 * person in a terminal or a script runs it, then pays Node's start-up and
 * the query rather than loading the whole CLI (several MB of extractors and
 * engine) first. Every other command loads the whole CLI
 * (dist/quarry-cli.cjs, main/cli.ts).
 */
import { createRequire } from 'node:module';
import path from 'node:path';

interface CliBundle {
  main(argv?: string[]): Promise<number>;
  exitWhenFlushed(code: number): void;
}

const bundle = process.argv[2] === 'search' ? 'quarry-search.cjs' : 'quarry-cli.cjs';
const cli = createRequire(__filename)(path.join(__dirname, bundle)) as CliBundle;
void cli.main().then(cli.exitWhenFlushed);
