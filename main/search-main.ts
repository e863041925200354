/**
 * `quarry search` on its own (dist/quarry-search.cjs, chosen by
 * main/cli-entry.ts): the same command as in the whole CLI (cli-search.ts),
 * in a bundle that holds little more than the store, so that a query costs
 * Node's start-up and the query, not loading every extractor's and engine's
 * code first.
 */
import { Command } from 'commander';
import { commanderOutput, runProgram } from './cli-kit.js';
import { registerSearchCommand } from './cli-search.js';

export { exitWhenFlushed } from './cli-kit.js';

export function main(argv = process.argv): Promise<number> {
  const program = new Command('quarry').showHelpAfterError('(add --help for usage)').configureOutput(commanderOutput).exitOverride();
  registerSearchCommand(program);
  return runProgram(program, argv);
}
