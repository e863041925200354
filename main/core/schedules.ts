/**
 * Recurring runs: a cron expression and some paths. Each time it fires, the
 * paths are queued again (unchanged files reuse their stored result through
 * dedup, so a nightly re-scan costs little). A run missed while Quarry was
 * closed happens once at the next start, not once per missed time.
 * A schedule runs at most once a minute: croner also takes a seconds field,
 * and "* * * * * *" would queue the same paths every second.
 */
import { randomUUID } from 'node:crypto';
import { Cron } from 'croner';
import type { Intake, AddPathsOptions } from './intake.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { Db } from './store/database.js';

export interface Schedule {
  id: string;
  name: string;
  cron: string;
  paths: string[];
  jobOptions: Record<string, unknown>;
  enabled: boolean;
  lastRunAt: number | null;
  nextRunAt: number | null;
}

type Row = {
  id: string;
  name: string;
  cron: string;
  paths: string;
  job_options: string;
  enabled: number;
  last_run_at: number | null;
  next_run_at: number | null;
};
const toSchedule = (r: Row): Schedule => ({
  id: r.id,
  name: r.name,
  cron: r.cron,
  paths: JSON.parse(r.paths),
  jobOptions: JSON.parse(r.job_options),
  enabled: r.enabled === 1,
  lastRunAt: r.last_run_at,
  nextRunAt: r.next_run_at,
});

/** The next time the expression fires after `after`; a readable error for a bad expression. */
export function nextRun(cron: string, after: number): number {
  let job: Cron;
  try {
    job = new Cron(cron, { paused: true });
  } catch (err) {
    throw new InvalidInputError(`Invalid cron expression "${cron}": ${(err as Error).message}`);
  }
  const next = job.nextRun(new Date(after));
  if (!next) throw new InvalidInputError(`The cron expression "${cron}" never fires again.`);
  return next.getTime();
}

/** The shortest time between two runs of one schedule. */
export const MIN_INTERVAL_MS = 60_000;

/**
 * The gap between two runs, when some are closer than a minute. Only a
 * seconds field with several values does that, and then in every minute the
 * expression fires in: of three consecutive runs, two share a minute.
 */
function subMinuteGap(cron: string, after: number): number | undefined {
  const runs = new Cron(cron, { paused: true }).nextRuns(3, new Date(after)).map((d) => d.getTime());
  const gaps = runs.slice(1).map((t, i) => t - runs[i]!);
  return gaps.find((g) => g < MIN_INTERVAL_MS);
}

/** nextRun, and a readable refusal for an expression that fires more than once a minute. */
export function checkCron(cron: string, after: number): number {
  const next = nextRun(cron, after);
  const gap = subMinuteGap(cron, after);
  if (gap !== undefined) {
    throw new InvalidInputError(
      `Invalid cron expression "${cron}": it runs every ${gap / 1000} s, and Quarry runs a schedule at most once a minute. ` +
        'Use five fields (minute hour day month weekday), or a single second in the seconds field.',
    );
  }
  return next;
}

export class Schedules {
  constructor(
    private readonly db: Db,
    private readonly intake: (paths: string[], opts: AddPathsOptions) => Promise<Intake>,
    private readonly clock: () => number = Date.now,
  ) {}

  list(): Schedule[] {
    return (this.db.prepare('SELECT * FROM schedules ORDER BY name').all() as Row[]).map(toSchedule);
  }

  add(input: { name: string; cron: string; paths: string[]; jobOptions?: Record<string, unknown> }): Schedule {
    if (!input.paths.length) throw new InvalidInputError('Invalid schedule: it needs at least one path.');
    if (this.db.prepare('SELECT 1 FROM schedules WHERE name = ?').get(input.name)) {
      throw new InvalidInputError(`Invalid schedule: one named "${input.name}" already exists.`);
    }
    const next = checkCron(input.cron, this.clock());
    this.db
      .prepare('INSERT INTO schedules (id, name, cron, paths, job_options, next_run_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(randomUUID(), input.name, input.cron, JSON.stringify(input.paths), JSON.stringify(input.jobOptions ?? {}), next);
    return this.get(input.name);
  }

  get(nameOrId: string): Schedule {
    const row = this.db.prepare('SELECT * FROM schedules WHERE name = ? OR id = ?').get(nameOrId, nameOrId) as Row | undefined;
    if (!row) throw new NotFoundError(`No schedule named "${nameOrId}".`);
    return toSchedule(row);
  }

  remove(nameOrId: string): void {
    this.db.prepare('DELETE FROM schedules WHERE id = ?').run(this.get(nameOrId).id);
  }

  setEnabled(nameOrId: string, enabled: boolean): Schedule {
    const s = this.get(nameOrId);
    this.db
      .prepare('UPDATE schedules SET enabled = ?, next_run_at = ? WHERE id = ?')
      .run(enabled ? 1 : 0, enabled ? checkCron(s.cron, this.clock()) : null, s.id);
    return this.get(s.id);
  }

  /** Runs every enabled schedule that is due; returns what each queued. */
  async runDue(): Promise<Array<{ schedule: Schedule; intake: Intake }>> {
    const now = this.clock();
    const due = (this.db.prepare('SELECT * FROM schedules WHERE enabled = 1 AND next_run_at <= ?').all(now) as Row[]).map(toSchedule);
    const ran: Array<{ schedule: Schedule; intake: Intake }> = [];
    for (const s of due) {
      if (subMinuteGap(s.cron, now) !== undefined) {
        // Saved before the once-a-minute rule: disabled rather than run every second; enabling it again says why.
        this.db.prepare('UPDATE schedules SET enabled = 0, next_run_at = NULL WHERE id = ?').run(s.id);
        continue;
      }
      // Advance first: a failing intake must not fire again every second.
      this.db.prepare('UPDATE schedules SET last_run_at = ?, next_run_at = ? WHERE id = ?').run(now, nextRun(s.cron, now), s.id);
      const intake = await this.intake(s.paths, { ...(s.jobOptions as AddPathsOptions), source: 'schedule' });
      ran.push({ schedule: this.get(s.id), intake });
    }
    return ran;
  }
}
