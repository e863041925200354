/**
 * `quarry`: the headless command line over the same engine as the desktop app.
 * Every command prints one clear line on error and exits non-zero.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { FAILURE_ACTIONS, JOB_STATUSES, type FailureAction, type Job, type JobStatus } from '../shared/job.js';
import { Engine } from './core/engine.js';
import { EXPORT_FORMATS, exportResults, type ExportFormat } from './core/export.js';
import { intakePaths, type IntakeOptions } from './core/intake.js';
import { defaultDbPath } from './core/paths.js';
import { JobStore } from './core/store/job-store.js';

const out = (s: string): void => void process.stdout.write(s + '\n');
const err = (s: string): void => void process.stderr.write(s + '\n');

/** An error already explained to the user: print its message, exit with its code. */
class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

function int(name: string, min = 0) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}.`);
    return n;
  };
}

const dbOption = () => new Option('--db <file>', 'job database (SQLite file)').default(defaultDbPath(), '$QUARRY_DB or the app’s data folder');
const addOptions = (c: Command) =>
  c
    .option('--priority <n>', 'higher runs first', int('priority', -1_000_000), 0)
    .option('--max-retries <n>', 'retries for retryable failures', int('max-retries'), 3)
    .option('--timeout <seconds>', 'time limit per file', int('timeout', 1))
    .option('--password <password>', 'password for encrypted PDFs')
    .option('--delay <seconds>', 'do not start before this many seconds from now', int('delay'))
    .addOption(new Option('--batch <mode>', 'group files under a batch job').choices(['auto', 'always', 'never']).default('auto'))
    .option('--max-child-failures <n>', 'batch: failed files tolerated (0 = no limit)', int('max-child-failures'), 0)
    .addOption(
      new Option('--failure-action <action>', 'batch: past the limit, stop_all cancels the rest; continue ends partial; mark_warning completes with a warning')
        .choices(FAILURE_ACTIONS)
        .default('continue'),
    );

interface AddFlags {
  priority: number;
  maxRetries: number;
  timeout?: number;
  password?: string;
  delay?: number;
  batch: 'auto' | 'always' | 'never';
  maxChildFailures: number;
  failureAction: FailureAction;
}

function intakeOptions(o: AddFlags): IntakeOptions {
  return {
    source: 'cli',
    priority: o.priority,
    maxRetries: o.maxRetries,
    batch: o.batch,
    maxChildFailures: o.maxChildFailures,
    failureAction: o.failureAction,
    ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    ...(o.delay ? { runAt: Date.now() + o.delay * 1000 } : {}),
    ...(o.password ? { options: { password: o.password } } : {}),
  };
}

function reportRejected(rejected: Array<{ path: string; reason: string }>): void {
  for (const r of rejected) err(`skipped ${r.path}: ${r.reason}`);
}

/** Opens the store only (no pool) for commands that just read or edit jobs. */
async function withStore<T>(db: string, fn: (store: JobStore) => T | Promise<T>): Promise<T> {
  const store = JobStore.open(db);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

function duration(job: Job): string {
  if (!job.startedAt) return '';
  const ms = (job.completedAt ?? Date.now()) - job.startedAt;
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** Runs the engine until no job is pending or running; returns the jobs that ended badly. */
async function runUntilDrained(engine: Engine, concurrency?: number): Promise<{ done: number; bad: Job[] }> {
  if (concurrency) engine.setConcurrency(concurrency);
  const bad: Job[] = [];
  let done = 0;
  const stats = engine.stats();
  const total = stats.byStatus.pending + stats.byStatus.running;
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new SingleBar({ format: ' {bar} {percentage}% | {value}/{total} files | {failed} failed | ETA {eta_formatted}', hideCursor: true }, Presets.shades_classic)
    : undefined;
  bar?.start(total, 0, { failed: 0 });
  engine.on('job', (job) => {
    if (job.status === 'pending' && job.errorMessage && !tty) err(`retrying ${job.fileName}: ${job.errorMessage}`);
    if (job.status === 'running' || job.status === 'pending') return;
    if (job.kind === 'batch') {
      if (!tty) out(`batch ${job.fileName} ${job.status}${job.warning ? `: ${job.warning}` : job.errorMessage ? `: ${job.errorMessage}` : ''}`);
      return;
    }
    done++;
    if (job.status !== 'completed') bad.push(job);
    if (bar) bar.update(done, { failed: bad.length });
    else if (job.status === 'completed') out(`completed ${job.fileName} (${job.format ?? '?'}, ${duration(job)})`);
    else out(`${job.status} ${job.fileName}: ${job.errorMessage ?? ''}`);
  });
  const interrupted = new Promise<'interrupted'>((resolve) => process.once('SIGINT', () => resolve('interrupted')));
  engine.start();
  const how = await Promise.race([engine.drained().then(() => 'drained' as const), interrupted]);
  bar?.stop();
  if (how === 'interrupted') {
    err('Interrupted: running jobs go back to pending; run again to continue.');
    await engine.close({ abort: true });
    throw new CliError('interrupted', 130);
  }
  return { done, bad };
}

function printStatus(store: JobStore, json: boolean): void {
  const s = store.stats();
  if (json) return out(JSON.stringify(s, null, 2));
  out(`total      ${s.total}`);
  for (const status of JOB_STATUSES) out(`${status.padEnd(10)} ${s.byStatus[status]}`);
  const formats = Object.entries(s.byFormat).sort((a, b) => b[1] - a[1]);
  if (formats.length) out(`formats    ${formats.map(([f, n]) => `${f} ${n}`).join(', ')}`);
  out(`avg time   ${s.avgDurationMs === null ? '-' : `${Math.round(s.avgDurationMs)} ms`}`);
  out(`items      ${s.itemsExtracted}`);
}

function printJobs(jobs: Job[], json: boolean): void {
  if (json) return out(JSON.stringify(jobs, null, 2));
  if (!jobs.length) return out('no jobs');
  out(['ID', 'STATUS', 'FORMAT', 'ATTEMPTS', 'TIME', 'FILE'].join('\t'));
  for (const j of jobs) {
    const attempts = `${j.retryCount + (j.startedAt ? 1 : 0)}/${j.maxRetries + 1}`;
    out([j.shortId, j.status, j.format ?? '-', attempts, duration(j) || '-', j.fileName ?? '-'].join('\t'));
    if (j.errorMessage && j.status !== 'completed') out(`\t${j.errorMessage}`);
  }
}

export function buildProgram(): Command {
  const program = new Command('quarry')
    .description('Quarry: extract text, tables and metadata from files, durably queued.')
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();

  addOptions(
    program.command('add').description('queue files and folders (recursively) as jobs').argument('<paths...>').addOption(dbOption()),
  ).action(async (paths: string[], o) => {
    await withStore(o.db, async (store) => {
      const { batch, count, rejected } = await intakePaths(store, paths, intakeOptions(o));
      reportRejected(rejected);
      out(`queued ${count} file${count === 1 ? '' : 's'}${batch ? ` as batch ${batch.shortId} (${batch.fileName})` : ''} in ${o.db}`);
      if (rejected.length) throw new CliError(`${rejected.length} path${rejected.length === 1 ? ' was' : 's were'} skipped`);
    });
  });

  program
    .command('run')
    .description('process queued jobs until none is left; exits 0 only if every job succeeded')
    .addOption(dbOption())
    .option('--concurrency <n>', 'jobs at once (default: cores)', int('concurrency', 1))
    .action(async (o) => {
      const engine = new Engine({ dbPath: o.db, concurrency: o.concurrency });
      const { done, bad } = await runUntilDrained(engine);
      await engine.close();
      out(`${done - bad.length} of ${done} jobs succeeded`);
      if (bad.length) throw new CliError(`${bad.length} job${bad.length === 1 ? '' : 's'} did not succeed (see: quarry jobs --status failed)`);
    });

  program
    .command('status')
    .description('counts by status and format, and the average time per job')
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((o) => withStore(o.db, (store) => printStatus(store, !!o.json)));

  program
    .command('jobs')
    .description('list jobs, newest first')
    .addOption(dbOption())
    .addOption(new Option('--status <status>', 'only jobs with this status').choices(JOB_STATUSES))
    .option('--limit <n>', 'at most this many', int('limit', 1), 100)
    .option('--json', 'machine-readable output')
    .action((o) => withStore(o.db, (store) => printJobs(store.list({ status: o.status as JobStatus | undefined, limit: Math.min(o.limit, 1000) }), !!o.json)));

  program
    .command('show')
    .description("one job's details and history")
    .argument('<id>')
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((id: string, o) =>
      withStore(o.db, (store) => {
        const job = store.resolve(id);
        const events = store.events(job.id);
        if (o.json) return out(JSON.stringify({ job, events }, null, 2));
        printJobs([job], false);
        for (const e of events) {
          out(`  ${new Date(e.at).toISOString()}  ${e.fromStatus ?? '-'} -> ${e.toStatus}  attempt ${e.attempt}${e.errorMessage ? `  ${e.errorMessage}` : ''}`);
        }
      }),
    );

  for (const [name, verb, desc] of [
    ['retry', 'retry', 'queue failed, cancelled or partial jobs again'],
    ['cancel', 'cancel', 'cancel pending or running jobs'],
    ['delete', 'delete', 'delete finished jobs and their results'],
  ] as const) {
    program
      .command(name)
      .description(desc)
      .argument('<ids...>', 'job ids (or unambiguous prefixes)')
      .addOption(dbOption())
      .action((ids: string[], o) =>
        withStore(o.db, (store) => {
          let failures = 0;
          for (const id of ids) {
            try {
              const job = store[verb](id);
              out(`${name === 'delete' ? 'deleted' : name === 'retry' ? 'queued' : 'cancelled'} ${job.shortId} ${job.fileName ?? ''}`);
            } catch (e) {
              failures++;
              err((e as Error).message);
            }
          }
          if (failures) throw new CliError(`${failures} of ${ids.length} could not be ${name === 'retry' ? 'retried' : name + (name.endsWith('e') ? 'd' : 'led')}`);
        }),
      );
  }

  program
    .command('export')
    .description('write finished results to a folder')
    .addOption(dbOption())
    .requiredOption('--out <dir>', 'folder to write to')
    .addOption(new Option('--format <format>', 'file format').choices(EXPORT_FORMATS).default('jsonl'))
    .action(async (o) => {
      await withStore(o.db, async (store) => {
        const s = await exportResults(store, path.resolve(o.out), o.format as ExportFormat);
        out(`wrote ${s.jobs} result${s.jobs === 1 ? '' : 's'} to ${s.file}`);
      });
    });

  addOptions(
    program
      .command('extract')
      .description('queue, run and export in one go (a temporary database unless --db is given)')
      .argument('<paths...>')
      .requiredOption('--out <dir>', 'folder to write results to')
      .option('--db <file>', 'keep the jobs in this database')
      .addOption(new Option('--format <format>', 'result file format').choices(EXPORT_FORMATS).default('jsonl'))
      .option('--concurrency <n>', 'jobs at once (default: cores)', int('concurrency', 1)),
  ).action(async (paths: string[], o) => {
    const tmp = o.db ? undefined : mkdtempSync(path.join(tmpdir(), 'quarry-'));
    const engine = new Engine({ dbPath: o.db ?? path.join(tmp!, 'jobs.db'), concurrency: o.concurrency });
    try {
      const { count, rejected } = await engine.addPaths(paths, intakeOptions(o));
      reportRejected(rejected);
      if (!count) throw new CliError('nothing to extract: no readable file among the paths given');
      const { done, bad } = await runUntilDrained(engine);
      const s = await engine.exportTo(path.resolve(o.out), o.format as ExportFormat);
      out(`${done - bad.length} of ${done} files extracted; wrote ${s.file}`);
      if (bad.length || rejected.length) throw new CliError(`${bad.length + rejected.length} file${bad.length + rejected.length === 1 ? '' : 's'} could not be extracted`);
    } finally {
      await engine.close();
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  });

  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2; // commander already printed it
    if (e instanceof CliError) {
      if (e.message !== 'interrupted') err(`quarry: ${e.message}`);
      return e.exitCode;
    }
    err(`quarry: ${(e as Error).message ?? e}`);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => process.exit(code));
}
