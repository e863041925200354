/**
 * `quarry`: the headless command line over the same engine as the desktop app.
 * Every command prints one clear line on error and exits non-zero.
 */
import { Command, Option } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SingleBar, Presets } from 'cli-progress';
import { FAILURE_ACTIONS, isContainer, JOB_STATUSES, type FailureAction, type Job, type JobStatus } from '../shared/job.js';
import { Engine } from './core/engine.js';
import { exportFormatSchema, type ExportFormat, type Rejection } from '../shared/contract.js';
import type { AddPathsOptions } from './core/intake.js';
import type { JobStore } from './core/store/job-store.js';
import type { JobEvent, JobFilter } from '../shared/job.js';
import {
  CliError,
  commanderOutput,
  runProgram,
  dbOption,
  duration,
  err,
  exitWhenFlushed,
  explainStoreFailures,
  int,
  InterruptedError,
  isStoreFailure,
  json,
  out,
  printable,
  printJobs,
  storeFailure,
  withStore,
} from './cli-kit.js';
import { withEngine } from './cli-engine.js';
import { registerControlCommands } from './cli-control.js';
import { partOptions, printPart, registerExportCommand, wantsPart } from './cli-results.js';
import { registerSearchCommand } from './cli-search.js';
import { registerRemoteCommands, remoteFromFlags, remoteRunOptions } from './cli-remote.js';

const addOptions = (c: Command) =>
  c
    .option('--priority <n>', 'higher runs first', int('priority', -1_000_000), 0)
    .option('--max-retries <n>', 'retries for retryable failures', int('max-retries'), 3)
    .option('--timeout <seconds>', 'time limit per file', int('timeout', 1))
    .option('--password <password>', 'password for encrypted PDFs and password-protected Office documents')
    .addOption(
      new Option('--ocr <mode>', 'OCR of images and scanned PDF pages: on (a photo in which a quick probe reads no word is skipped), always, or off')
        .choices(['on', 'always', 'off'])
        .default('on'),
    )
    .option('--ocr-max-pages <n>', "PDF: pages OCR'd at most per file (default 100)", int('ocr-max-pages', 1))
    .option('--ocr-budget <seconds>', 'PDF: OCR time per file (default 300)', int('ocr-budget', 1))
    .option('--no-ocr', 'the same as --ocr off: images and scanned pages give only their metadata (faster)')
    .option('--delay <seconds>', 'do not start before this many seconds from now', int('delay'))
    .addOption(new Option('--batch <mode>', 'group files under a batch job').choices(['auto', 'always', 'never']).default('auto'))
    .option('--max-child-failures <n>', 'batch: failed files tolerated (0 = no limit)', int('max-child-failures'), 0)
    .addOption(
      new Option('--failure-action <action>', 'batch: past the limit, stop_all cancels the rest; continue ends partial; mark_warning completes with a warning')
        .choices(FAILURE_ACTIONS)
        .default('continue'),
    )
    .option('--definition <name>', 'the job definition (pipeline) to run; see: quarry definitions')
    .option('--after <ids...>', 'start only after these jobs completed')
    .addOption(
      new Option('--on-dependency-failure <what>', 'when a job named by --after fails: fail these, or skip (cancel) them')
        .choices(['fail', 'skip'])
        .default('fail'),
    );

interface AddFlags {
  priority: number;
  maxRetries: number;
  timeout?: number;
  password?: string;
  /** --ocr's value; false with --no-ocr. */
  ocr: 'on' | 'always' | 'off' | false;
  ocrMaxPages?: number;
  ocrBudget?: number;
  delay?: number;
  batch: 'auto' | 'always' | 'never';
  maxChildFailures: number;
  failureAction: FailureAction;
  definition?: string;
  after?: string[];
  onDependencyFailure: 'fail' | 'skip';
}

/** The engine pins the definition's version (Engine.addPaths). */
function intakeOptions(o: AddFlags): AddPathsOptions {
  return {
    source: 'cli',
    ...(o.definition ? { definition: o.definition } : {}),
    ...(o.after?.length ? { dependsOn: o.after, onDependencyFailure: o.onDependencyFailure } : {}),
    priority: o.priority,
    maxRetries: o.maxRetries,
    batch: o.batch,
    maxChildFailures: o.maxChildFailures,
    failureAction: o.failureAction,
    ...(o.timeout ? { timeoutMs: o.timeout * 1000 } : {}),
    ...(o.delay ? { runAt: Date.now() + o.delay * 1000 } : {}),
    ...(Object.keys(jobOptions(o)).length ? { options: jobOptions(o) } : {}),
  };
}

/** What the worker reads from a job's options (workers/extract.ts parseOptions). */
function jobOptions(o: AddFlags): Record<string, unknown> {
  return {
    ...(o.password ? { password: o.password } : {}),
    ...(o.ocr === 'off' || o.ocr === false ? { ocr: false } : o.ocr === 'always' ? { ocr: 'always' } : {}),
    ...(o.ocrMaxPages ? { ocrMaxPages: o.ocrMaxPages } : {}),
    ...(o.ocrBudget ? { ocrBudgetMs: o.ocrBudget * 1000 } : {}),
  };
}

function reportRejected(rejected: readonly Rejection[]): void {
  for (const r of rejected) err(`skipped ${printable(r.path)}: ${printable(r.reason)}`);
}

/**
 * What goes wrong in the background (a claim, a result that cannot be
 * written) comes as the engine's events: a failing job database settles the
 * returned promise with its explanation, as the command's end; anything else
 * is said and the run goes on.
 */
function storeFailed(engine: Engine, db: string): Promise<never> {
  const failed = new Promise<never>((_, reject) =>
    engine.on('error', (e) => {
      if (isStoreFailure(e)) reject(storeFailure(e, db));
      else err(`quarry: ${printable(e.message)}`);
    }),
  );
  failed.catch(() => undefined); // raced, never left unhandled
  return failed;
}

/** After a store failure: running jobs are stopped; what cannot be written back now, the next run recovers. */
async function stopAfter(engine: Engine, failure: unknown): Promise<never> {
  await engine.close({ abort: true }).catch(() => undefined);
  throw failure;
}

/** Runs the engine until no job is pending or running; returns the jobs that ended badly. */
/** What a run did, counted in the files the person gave; files found inside containers apart. */
interface RunCount {
  done: number;
  bad: Job[];
  /** Files found inside containers (attachments, archive entries) and those of them that did not succeed. */
  inner: number;
  innerBad: Job[];
}

async function runUntilDrained(engine: Engine, failed: Promise<never>): Promise<RunCount> {
  const count: RunCount = { done: 0, bad: [], inner: 0, innerBad: [] };
  const stats = engine.stats();
  const total = stats.byStatus.pending + stats.byStatus.running;
  const tty = process.stderr.isTTY;
  const bar = tty
    ? new SingleBar(
        { format: ' {bar} {percentage}% | {value}/{total} files | {failed} failed | ETA {eta_formatted}', hideCursor: true },
        Presets.shades_classic,
      )
    : undefined;
  bar?.start(total, 0, { failed: 0 });
  engine.on('job', (job) => {
    if (job.status === 'pending' && job.errorMessage && !tty) err(`retrying ${printable(job.fileName ?? '')}: ${printable(job.errorMessage)}`);
    if (job.status === 'running' || job.status === 'pending') return;
    if (job.kind === 'batch' && !isContainer(job)) {
      if (!tty)
        out(
          `batch ${printable(job.fileName ?? '')} ${job.status}${job.warning ? `: ${printable(job.warning)}` : job.errorMessage ? `: ${printable(job.errorMessage)}` : ''}`,
        );
      return;
    }
    // A container is one of the files given; what came out of one is counted apart.
    const inside = job.source === 'archive';
    if (inside) count.inner++;
    else count.done++;
    if (job.status !== 'completed') (inside ? count.innerBad : count.bad).push(job);
    if (bar) bar.update(count.done, { failed: count.bad.length });
    else if (job.status === 'completed') out(`completed ${printable(job.fileName ?? '')} (${job.format ?? '?'}, ${describe(job)})`);
    else out(`${job.status} ${printable(job.fileName ?? '')}: ${printable(job.errorMessage ?? job.warning ?? '')}`);
  });
  const interrupted = new Promise<'interrupted'>((resolve) => process.once('SIGINT', () => resolve('interrupted')));
  const how = await Promise.race([
    (async () => {
      engine.start();
      await engine.drained();
      // The index failed (said above as it happened): the files are extracted, some not searchable yet.
      const owed = engine.store.pendingResults();
      if (owed > 0)
        err(
          `${owed.toLocaleString('en')} file${owed === 1 ? ' is' : 's are'} not searchable yet: the next \`quarry extract\` or Quarry's window indexes them.`,
        );
      return 'drained' as const;
    })(),
    interrupted,
    failed,
  ]).catch((e: unknown) => {
    bar?.stop();
    return stopAfter(engine, e);
  });
  bar?.stop();
  if (how === 'interrupted') {
    err('Interrupted: running jobs go back to pending; run again to continue.');
    await engine.close({ abort: true });
    throw new InterruptedError();
  }
  return count;
}

/** A finished file's line: its duration, and for a container how many files it held. */
function describe(job: Job): string {
  return isContainer(job) ? `${job.total} file${job.total === 1 ? '' : 's'} inside` : duration(job);
}

/** "and 8 files found inside them (1 failed)", or nothing when no container was opened. */
function innerSummary(c: RunCount): string {
  if (!c.inner) return '';
  return ` (and ${c.inner} file${c.inner === 1 ? '' : 's'} found inside them${c.innerBad.length ? `, ${c.innerBad.length} not extracted` : ''})`;
}

function printStatus(store: JobStore, asJson: boolean): void {
  const s = store.stats();
  if (asJson) return json(s);
  const ms = (v: number | null) => (v === null ? '-' : `${Math.round(v)} ms`);
  out(`total      ${s.total}`);
  for (const status of JOB_STATUSES) out(`${status.padEnd(10)} ${s.byStatus[status]}`);
  const list = (o: Record<string, number>) =>
    Object.entries(o)
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
  if (s.total) out(`formats    ${list(s.byFormat)}`);
  if (s.total) out(`sources    ${list(s.bySource)}`);
  const batches = list(s.batches);
  if (batches) out(`batches    ${batches}`);
  out(`avg time   ${ms(s.avgDurationMs)} (p50 ${ms(s.p50DurationMs)}, p95 ${ms(s.p95DurationMs)})`);
  out(`finished   ${s.finishedLastMinute} in the last minute, ${s.finishedLastHour} in the last hour`);
  out(`items      ${s.itemsExtracted}`);
}

/** Filters shared by `jobs` and the bulk forms of retry / cancel / delete. */
const filterOptions = (c: Command) =>
  c
    .addOption(new Option('--status <status>', 'only jobs with this status').choices(JOB_STATUSES))
    .option('--format <format>', 'only this format (pdf, csv, ...)')
    .option('--parent <id>', 'only the children of this batch')
    .option('--search <text>', 'text in the file name or the error')
    .option('--since <date>', 'created at or after (ISO date or time)')
    .option('--until <date>', 'created before (ISO date or time)');

type FilterFlags = { status?: string; format?: string; parent?: string; search?: string; since?: string; until?: string };

/** `resolve` finds the --parent batch by id or prefix. */
function toFilter(o: FilterFlags, resolve: (idOrPrefix: string) => Job): Omit<JobFilter, 'limit' | 'before'> {
  const date = (v: string, name: string) => {
    const t = Date.parse(v);
    if (Number.isNaN(t)) throw new CliError(`--${name}: "${v}" is not a date (use e.g. 2026-11-01 or 2026-11-01T08:00).`);
    return t;
  };
  return {
    ...(o.status ? { status: o.status as JobStatus } : {}),
    ...(o.format ? { format: o.format as JobFilter['format'] } : {}),
    ...(o.parent ? { parentId: resolve(o.parent).id } : {}),
    ...(o.search ? { search: o.search } : {}),
    ...(o.since ? { createdFrom: date(o.since, 'since') } : {}),
    ...(o.until ? { createdTo: date(o.until, 'until') } : {}),
  };
}

export function buildProgram(): Command {
  const program = new Command('quarry')
    .description('Quarry: extract text, tables and metadata from files, durably queued.')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput(commanderOutput) // before the commands: they copy it when made
    .exitOverride();

  addOptions(program.command('add').description('queue files and folders (recursively) as jobs').argument('<paths...>').addOption(dbOption())).action(
    async (paths: string[], o) => {
      await withEngine(o.db, async (engine) => {
        const { batch, count, rejected } = await engine.addPaths(paths, intakeOptions(o));
        reportRejected(rejected);
        out(
          `queued ${count} file${count === 1 ? '' : 's'}${batch ? ` as batch ${batch.shortId} (${printable(batch.fileName ?? '')})` : ''} in ${printable(o.db)}`,
        );
        if (rejected.length) throw new CliError(`${rejected.length} path${rejected.length === 1 ? ' was' : 's were'} skipped`);
      });
    },
  );

  remoteRunOptions(
    program
      .command('run')
      .description('process queued jobs until none is left; exits 0 only if every job succeeded')
      .addOption(dbOption())
      .option(
        '--concurrency <n>',
        'slots (default: cores): a slot per thread, up to one thread per core; a large file takes a slot, a small one a fraction of it',
        int('concurrency', 1),
      )
      .option('--watch', 'keep running: watch folders and schedules, until Ctrl-C'),
  ).action((o) =>
    explainStoreFailures(o.db, async () => {
      const remote = remoteFromFlags(o);
      const engine = new Engine({ dbPath: o.db, concurrency: o.concurrency, background: !!o.watch, ...(remote ? { remote } : {}) });
      const failed = storeFailed(engine, o.db);
      if (engine.isPaused) {
        await engine.close();
        throw new CliError('The queue is paused: nothing would run. Resume it with: quarry resume');
      }
      if (o.watch) return watch(engine, failed);
      const c = await runUntilDrained(engine, failed);
      await engine.close();
      out(`${c.done - c.bad.length} of ${c.done} jobs succeeded${innerSummary(c)}`);
      const bad = c.bad.length + c.innerBad.length;
      if (bad) throw new CliError(`${bad} job${bad === 1 ? '' : 's'} did not succeed (see: quarry jobs --status failed)`);
    }),
  );

  program
    .command('status')
    .description('counts by status and format, and the average time per job')
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((o) => withStore(o.db, (store) => printStatus(store, !!o.json), { readOnly: true }));

  filterOptions(program.command('jobs').description('list jobs, newest first (keyset pages: --before the last SEQ shown)'))
    .addOption(dbOption())
    .addOption(new Option('--sort <order>', 'newest or oldest first').choices(['newest', 'oldest']).default('newest'))
    .option('--limit <n>', 'at most this many (1000 at most)', int('limit', 1), 100)
    .option('--before <seq>', 'the page after this row (its seq)', int('before'))
    .option('--json', 'machine-readable output')
    .action((o) =>
      withStore(
        o.db,
        (store) => {
          const filter = {
            ...toFilter(o, (id) => store.resolve(id)),
            sort: o.sort,
            limit: Math.min(o.limit, 1000),
            ...(o.before !== undefined ? { before: o.before } : {}),
          };
          printJobs(store.list(filter), !!o.json);
        },
        { readOnly: true },
      ),
    );

  partOptions(
    program
      .command('show')
      .description("one job's details and history, or a part of its result (--text, --markdown, --tables, --metadata, --page)")
      .argument('<id>')
      .addOption(dbOption())
      .option('--json', 'machine-readable output'),
  ).action((id: string, o) =>
    withStore(
      o.db,
      (store) => {
        const job = store.resolve(id);
        if (wantsPart(o)) return printPart(store, job, o);
        const events = store.events(job.id);
        // A container's entries are files of their own: listed with it (their ids lead to their results).
        const children = job.kind === 'batch' ? store.list({ parentId: job.id, sort: 'oldest', limit: 1000 }) : undefined;
        if (o.json) return json(children ? { job, events, children } : { job, events });
        printJobs([job], false);
        for (const e of events) {
          out(
            `  ${new Date(e.at).toISOString()}  ${e.fromStatus ?? '-'} -> ${e.toStatus}  attempt ${e.attempt}${ranOnText(e)}${e.errorMessage ? `  ${printable(e.errorMessage)}` : ''}`,
          );
        }
        if (children?.length) {
          out(`  ${children.length} file${children.length === 1 ? '' : 's'} inside:`);
          for (const c of children) out(`    ${c.shortId}  ${c.status.padEnd(9)}  ${printable(c.fileName ?? '')}`);
        }
      },
      { readOnly: true },
    ),
  );

  for (const [name, verb, desc] of [
    ['retry', 'retry', 'queue failed, cancelled or partial jobs again'],
    ['cancel', 'cancel', 'cancel pending or running jobs'],
    ['delete', 'delete', 'delete finished jobs and their results'],
  ] as const) {
    filterOptions(
      program.command(name).description(`${desc}; by id, or every job matching the filters`).argument('[ids...]', 'job ids (or unambiguous prefixes)'),
    )
      .addOption(dbOption())
      .action((ids: string[], o) =>
        withEngine(o.db, (engine) => {
          const filter = toFilter(o, (id) => engine.get(id));
          if (!ids.length && !Object.keys(filter).length) throw new CliError(`Name the jobs to ${name}, or give a filter such as --status failed.`);
          if (!ids.length) {
            const r = engine.bulk(verb, filter);
            for (const e of r.errors.slice(0, 20)) err(printable(e.message));
            out(`${name}: ${r.done.length} done, ${r.errors.length} refused`);
            if (r.errors.length) throw new CliError(`${r.errors.length} job${r.errors.length === 1 ? '' : 's'} could not be changed`);
            return;
          }
          let failures = 0;
          for (const id of ids) {
            try {
              const job = engine[verb](id);
              out(`${name === 'delete' ? 'deleted' : name === 'retry' ? 'queued' : 'cancelled'} ${job.shortId} ${printable(job.fileName ?? '')}`);
            } catch (e) {
              if (isStoreFailure(e)) throw e;
              failures++;
              err(printable((e as Error).message));
            }
          }
          if (failures)
            throw new CliError(`${failures} of ${ids.length} could not be ${name === 'retry' ? 'retried' : name + (name.endsWith('e') ? 'd' : 'led')}`);
        }),
      );
  }

  registerExportCommand(program);

  addOptions(
    program
      .command('extract')
      .description('queue, run and export in one go (a temporary database unless --db is given)')
      .argument('<paths...>')
      .requiredOption('--out <dir>', 'folder to write results to')
      .option('--db <file>', 'keep the jobs in this database')
      .addOption(new Option('--format <format>', 'result file format').choices(exportFormatSchema.options).default('jsonl'))
      .option(
        '--concurrency <n>',
        'slots (default: cores): a slot per thread, up to one thread per core; a large file takes a slot, a small one a fraction of it',
        int('concurrency', 1),
      ),
  ).action(async (paths: string[], o) => {
    const tmp = o.db ? undefined : mkdtempSync(path.join(tmpdir(), 'quarry-'));
    const db: string = o.db ?? path.join(tmp!, 'jobs.db');
    try {
      await explainStoreFailures(db, async () => {
        const engine = new Engine({ dbPath: db, concurrency: o.concurrency });
        const failed = storeFailed(engine, db);
        try {
          const { count, rejected } = await engine.addPaths(paths, intakeOptions(o));
          reportRejected(rejected);
          if (!count) throw new CliError('nothing to extract: no readable file among the paths given');
          const c = await runUntilDrained(engine, failed);
          const s = await engine.exportTo(path.resolve(o.out), o.format as ExportFormat);
          out(`${c.done - c.bad.length} of ${c.done} files extracted${innerSummary(c)}; wrote ${s.jobs} records to ${printable(s.file)}`);
          const bad = c.bad.length + c.innerBad.length + rejected.length;
          if (bad) throw new CliError(`${bad} file${bad === 1 ? '' : 's'} could not be extracted`);
        } finally {
          await engine.close();
        }
      });
    } finally {
      if (tmp) rmSync(tmp, { recursive: true, force: true });
    }
  });

  registerControlCommands(program);
  registerSearchCommand(program);
  registerRemoteCommands(program);
  return program;
}

/** `run --watch`: until Ctrl-C, or until the job database fails. */
async function watch(engine: Engine, failed: Promise<never>): Promise<void> {
  engine.on('job', (job) => {
    if (job.kind !== 'batch' && (job.status === 'completed' || job.status === 'failed')) {
      out(`${job.status} ${printable(job.fileName ?? '')}${job.errorMessage ? `: ${printable(job.errorMessage)}` : ''}`);
    }
  });
  const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  await Promise.race([
    (async () => {
      engine.start();
      out(`Watching ${engine.watches.list().length} folder(s) and ${engine.schedules.list().length} schedule(s); Ctrl-C to stop.`);
      await interrupted;
    })(),
    failed,
  ]).catch((e: unknown) => stopAfter(engine, e));
  await engine.close({ abort: true });
}

export function main(argv = process.argv): Promise<number> {
  return runProgram(buildProgram(), argv);
}

export { exitWhenFlushed };

if (require.main === module) {
  void main().then(exitWhenFlushed);
}

/** "  on w1@host-a (pdf 3.1.0)" on the event that ends an attempt, when its worker is known. */
function ranOnText(e: JobEvent): string {
  if (e.fromStatus !== 'running' || !e.ranBy) return '';
  return `  on ${printable(e.ranBy)}${e.extractor ? ` (${printable(e.extractor)})` : ''}`;
}
