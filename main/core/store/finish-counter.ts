/**
 * How many jobs finished in the last minute and the last hour (stats), without
 * counting the whole hour at every call. Counting it read one index entry per
 * finished job: 85 ms on the main thread, at every stats push, once a million
 * jobs had finished within the hour.
 *
 * Finishes are kept per second in a ring of 3,600 slots. A call recounts,
 * from the database, only the seconds since the previous call and two
 * before it (another process's transaction may commit a moment after the
 * time it wrote); older seconds keep their count. So a call costs what
 * finished since the last one, and a job that finished, then was run again
 * or deleted more than a few seconds later, still counts where it finished,
 * as a throughput should (a store that counts afresh, as the CLI's does,
 * sees only the finishes its rows still show). Windows are whole seconds:
 * "the last minute" is this second and the 59 before it.
 */
const SLOTS = 3600;
const RECOUNT_BEHIND_S = 2;

/** Finishes per second (`s` = whole seconds since the epoch) with a finish time in [fromMs, toMs). */
export type FinishesBySecond = (fromMs: number, toMs: number) => ReadonlyArray<{ s: number; n: number }>;

export class FinishCounter {
  private readonly second = new Float64Array(SLOTS).fill(-1);
  private readonly count = new Float64Array(SLOTS);
  /** The last second counted (none yet). */
  private last = Number.NEGATIVE_INFINITY;

  constructor(private readonly bySecond: FinishesBySecond) {}

  counts(now: number): { minute: number; hour: number } {
    const nowSec = Math.floor(now / 1000);
    // Everything again at the first call, after an hour without one, or when the clock went back.
    const fresh = this.last > nowSec || nowSec - this.last >= SLOTS;
    // (Never before the window: a slot holds one second, and older finishes must not land in it.)
    const from = fresh ? nowSec - SLOTS + 1 : Math.max(nowSec - SLOTS + 1, this.last - RECOUNT_BEHIND_S);
    for (let s = from; s <= nowSec; s++) {
      this.second[slot(s)] = s;
      this.count[slot(s)] = 0;
    }
    for (const { s, n } of this.bySecond(from * 1000, (nowSec + 1) * 1000)) this.count[slot(s)] = n;
    this.last = nowSec;
    let minute = 0;
    let hour = 0;
    for (let i = 0; i < SLOTS; i++) {
      const age = nowSec - this.second[i]!;
      if (age < 0 || age >= SLOTS) continue;
      hour += this.count[i]!;
      if (age < 60) minute += this.count[i]!;
    }
    return { minute, hour };
  }
}

function slot(second: number): number {
  return ((second % SLOTS) + SLOTS) % SLOTS;
}
