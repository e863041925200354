/**
 * `quarry` commands that organise the work: definitions (pipelines), batches,
 * pause and resume, priorities, the dead-letter view, re-runs, retention,
 * watch folders and recurring schedules.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { JOB_STATUSES, type JobStatus } from '../shared/job.js';
import { CliError, dbOption, err, int, json, out, printable, printJobs, withStore } from './cli-kit.js';
import { withEngine } from './cli-engine.js';

/** "30d", "12h", "45m" or a number of days. */
export function parseAge(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([dhm]?)$/.exec(text.trim());
  if (!m) throw new CliError(`Cannot read the age "${text}": use e.g. 30d, 12h or 45m.`);
  const unit = { d: 86_400_000, h: 3_600_000, m: 60_000, '': 86_400_000 }[m[2] as 'd' | 'h' | 'm' | ''];
  return Number(m[1]) * unit;
}

export function registerControlCommands(program: Command): void {
  // ---- definitions ---------------------------------------------------------
  const defs = program.command('definitions').description('job definitions (pipelines of steps)');
  defs
    .command('list', { isDefault: true })
    .description('the newest version of each definition')
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((o) =>
      withEngine(o.db, (engine) => {
        const list = engine.definitions.list();
        if (o.json) return json(list);
        for (const def of list)
          out(`${printable(def.name)}\tv${def.version}\t${def.steps.map((s) => printable(s.type)).join(' -> ')}\t${printable(def.description)}`);
      }),
    );
  defs
    .command('show')
    .argument('<name>')
    .description('one definition as JSON')
    .option('--version <n>', 'an older version', int('version', 1))
    .addOption(dbOption())
    .action((name: string, o) =>
      withEngine(o.db, (engine) => {
        json(engine.definitions.get(name, o.version));
      }),
    );
  defs
    .command('save')
    .argument('<file>', 'a JSON file with name, description, timeout_ms and steps ("-" for standard input)')
    .description('create a definition, or a new version of it')
    .addOption(dbOption())
    .action((file: string, o) =>
      withEngine(o.db, (engine) => {
        let input: unknown;
        try {
          input = JSON.parse(readFileSync(file === '-' ? 0 : file, 'utf8'));
        } catch (e) {
          throw new CliError(`Cannot read ${printable(file)} as JSON: ${printable((e as Error).message)}`);
        }
        const saved = engine.definitions.save(input);
        out(`saved ${printable(saved.name)} v${saved.version}`);
      }),
    );

  // ---- batches, pause, priority -------------------------------------------
  program
    .command('batch')
    .argument('<id>')
    .description("a batch's progress: children by status, throughput and ETA")
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((id: string, o) =>
      withStore(o.db, (store) => {
        const p = store.batchProgress(id);
        if (o.json) return json(p);
        out(`${p.batch.shortId} ${printable(p.batch.fileName ?? '')}: ${p.batch.status}, ${(p.progress * 100).toFixed(1)}% of ${p.total}`);
        out(JOB_STATUSES.map((s) => `${s} ${p.counts[s]}`).join(', '));
        out(`throughput ${p.perSecond.toFixed(2)}/s, ETA ${p.etaMs === null ? 'unknown' : `${Math.round(p.etaMs / 1000)} s`}`);
        if (p.batch.warning) out(`warning: ${printable(p.batch.warning)}`);
        if (p.batch.errorMessage) out(`error: ${printable(p.batch.errorMessage)}`);
      }),
    );

  for (const [name, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    program
      .command(name)
      .argument('[batch]', 'a batch id; without it, the whole queue')
      .description(`${name} the whole queue, or one batch (running jobs finish)`)
      .addOption(dbOption())
      .action((batch: string | undefined, o) =>
        withEngine(o.db, (engine) => {
          if (batch) {
            const b = paused ? engine.pauseBatch(batch) : engine.resumeBatch(batch);
            return out(`${paused ? 'paused' : 'resumed'} batch ${b.shortId} ${printable(b.fileName ?? '')}`);
          }
          if (paused) engine.pause();
          else engine.resume();
          out(paused ? 'queue paused: running jobs finish, nothing new starts' : 'queue resumed');
        }),
      );
  }

  program
    .command('priority')
    .argument('<id>')
    .argument('<priority>', 'higher runs first')
    .description('change the priority of a pending job (or of a batch and its pending children)')
    .addOption(dbOption())
    .action((id: string, priority: string, o) =>
      withEngine(o.db, (engine) => {
        const n = Number(priority);
        if (!Number.isInteger(n)) throw new CliError('The priority must be a whole number.');
        const j = engine.setPriority(id, n);
        out(`${j.shortId} priority ${j.priority}`);
      }),
    );

  // ---- dead letters, re-runs, retention ------------------------------------
  program
    .command('dead-letter')
    .description('jobs that used up their retries on a retryable error, with their last error')
    .addOption(dbOption())
    .option('--retry', 'queue them all again')
    .option('--json', 'machine-readable output')
    .action(async (o) => {
      if (!o.retry) return withStore(o.db, (store) => printJobs(store.list({ deadLetter: true, limit: 1000 }), !!o.json));
      await withEngine(o.db, (engine) => {
        const r = engine.bulk('retry', { deadLetter: true });
        for (const e of r.errors.slice(0, 20)) err(printable(e.message));
        out(`queued ${r.done.length} job${r.done.length === 1 ? '' : 's'} again`);
        if (r.errors.length) throw new CliError(`${r.errors.length} job${r.errors.length === 1 ? '' : 's'} could not be retried`);
      });
    });

  program
    .command('rerun')
    .argument('[ids...]', 'jobs to run again, even completed ones')
    .description('run finished jobs again; --outdated: those whose extractor has a newer version')
    .option('--outdated', 'every job whose result came from an older extractor version')
    .addOption(dbOption())
    .action(async (ids: string[], o) => {
      if (!o.outdated && !ids.length) throw new CliError('Name the jobs to run again, or use --outdated.');
      await withEngine(o.db, async (engine) => {
        if (!o.outdated) {
          for (const id of ids) out(`queued ${engine.rerun(id).shortId}`);
          return;
        }
        const rerun = await engine.rerunOutdated();
        out(`queued ${rerun.length} job${rerun.length === 1 ? '' : 's'} with outdated results (run: quarry run)`);
      });
    });

  program
    .command('prune')
    .description('delete finished jobs (and their results) older than an age, optionally exporting them first')
    .requiredOption('--older-than <age>', 'e.g. 30d, 12h')
    .addOption(new Option('--status <status...>', 'only these statuses').choices(['completed', 'failed', 'cancelled', 'partial']))
    .option('--export <dir>', 'export finished results to this folder first (JSON Lines)')
    .option('--keep-days <n>', 'also remember this as the automatic retention (0 = off)', int('keep-days'))
    .addOption(dbOption())
    .action((o) =>
      withEngine(o.db, async (engine) => {
        const cutoff = Date.now() - parseAge(o.olderThan);
        if (o.export) {
          const s = await engine.exportTo(path.resolve(o.export), 'jsonl');
          out(`exported ${s.jobs} results to ${printable(s.file)}`);
        }
        const n = engine.prune(cutoff, o.status as JobStatus[] | undefined);
        out(`deleted ${n} job${n === 1 ? '' : 's'} finished before ${new Date(cutoff).toISOString()}`);
        if (o.keepDays !== undefined) {
          engine.setSetting('retention.days', o.keepDays);
          out(o.keepDays ? `finished jobs older than ${o.keepDays} days will be deleted automatically` : 'automatic retention off');
        }
      }),
    );

  // ---- watch folders ---------------------------------------------------------
  const watch = program
    .command('watch')
    .description('watch folders: new and changed files become jobs (while the app, `npm run serve` or `quarry run --watch` runs)');
  watch
    .command('add')
    .argument('<folder>')
    .option('--debounce <ms>', 'a file must be unchanged this long', int('debounce'), 2000)
    .option('--definition <name>', 'run this definition on its files')
    .addOption(dbOption())
    .action((folder: string, o) =>
      withEngine(o.db, async (engine) => {
        const w = await engine.watches.add(folder, {
          debounceMs: o.debounce,
          jobOptions: o.definition ? { definition: o.definition } : {},
        });
        out(`watching ${printable(w.path)}`);
      }),
    );
  watch
    .command('list', { isDefault: true })
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((o) =>
      withEngine(o.db, (engine) => {
        const list = engine.watches.list();
        if (o.json) return json(list);
        if (!list.length) return out('no watched folders');
        for (const w of list) out(`${printable(w.path)}\tdebounce ${w.debounceMs} ms${w.enabled ? '' : '\t(disabled)'}`);
      }),
    );
  watch
    .command('remove')
    .argument('<folder>')
    .addOption(dbOption())
    .action((folder: string, o) =>
      withEngine(o.db, async (engine) => {
        await engine.watches.remove(folder);
        out(`no longer watching ${printable(path.resolve(folder))}`);
      }),
    );

  // ---- schedules --------------------------------------------------------------
  const schedule = program.command('schedule').description('recurring runs: queue paths again on a cron schedule');
  schedule
    .command('add')
    .argument('<name>')
    .argument('<paths...>')
    .requiredOption('--cron <expression>', 'e.g. "0 3 * * *" for every night at 3:00')
    .option('--definition <name>', 'run this definition')
    .addOption(dbOption())
    .action((name: string, paths: string[], o) =>
      withEngine(o.db, (engine) => {
        const s = engine.schedules.add({
          name,
          cron: o.cron,
          paths: paths.map((p) => path.resolve(p)),
          jobOptions: o.definition ? { definition: o.definition } : {},
        });
        out(`schedule ${printable(s.name)}: next run ${new Date(s.nextRunAt!).toISOString()}`);
      }),
    );
  schedule
    .command('list', { isDefault: true })
    .addOption(dbOption())
    .option('--json', 'machine-readable output')
    .action((o) =>
      withEngine(o.db, (engine) => {
        const list = engine.schedules.list();
        if (o.json) return json(list);
        if (!list.length) return out('no schedules');
        for (const s of list) {
          out(
            `${printable(s.name)}\t${printable(s.cron)}\t${s.enabled ? `next ${new Date(s.nextRunAt!).toISOString()}` : 'disabled'}\t${s.paths.map(printable).join(' ')}`,
          );
        }
      }),
    );
  for (const [name, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    schedule
      .command(name)
      .argument('<name>')
      .addOption(dbOption())
      .action((n: string, o) =>
        withEngine(o.db, (engine) => {
          engine.schedules.setEnabled(n, enabled);
          out(`${name}d schedule ${printable(n)}`);
        }),
      );
  }
  schedule
    .command('remove')
    .argument('<name>')
    .addOption(dbOption())
    .action((n: string, o) =>
      withEngine(o.db, (engine) => {
        engine.schedules.remove(n);
        out(`removed schedule ${printable(n)}`);
      }),
    );
}
