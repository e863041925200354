/**
 * The counter of recent finishes on its own: what it asks the database for,
 * and that its counts equal a plain count of the window, call after call.
 * (Through the real store and SQLite: job-store.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { FinishCounter } from '../../../main/core/store/finish-counter.js';

/** Finish times (ms), and every range the counter asked for. */
function source(times: number[]) {
  const asked: Array<[number, number]> = [];
  const bySecond = (from: number, to: number) => {
    asked.push([from, to]);
    const per = new Map<number, number>();
    for (const t of times) if (t >= from && t < to) per.set(Math.floor(t / 1000), (per.get(Math.floor(t / 1000)) ?? 0) + 1);
    return [...per].map(([s, n]) => ({ s, n }));
  };
  return { asked, bySecond };
}

/** What a full count says: finishes in the last 60 / 3,600 whole seconds, this one included. */
function plainCount(times: number[], now: number) {
  const nowSec = Math.floor(now / 1000);
  const age = (t: number) => nowSec - Math.floor(t / 1000);
  return {
    minute: times.filter((t) => age(t) >= 0 && age(t) < 60).length,
    hour: times.filter((t) => age(t) >= 0 && age(t) < 3600).length,
  };
}

describe('FinishCounter', () => {
  const t0 = 1_800_000_000_000;

  it('counts the whole hour once, then only the seconds since its last call and two before', () => {
    const { asked, bySecond } = source([t0 - 10_000, t0 - 200_000, t0 - 4_000_000]);
    const counter = new FinishCounter(bySecond);
    expect(counter.counts(t0)).toEqual({ minute: 1, hour: 2 });
    expect(asked.at(-1)).toEqual([t0 - 3_599_000, t0 + 1000]);
    expect(counter.counts(t0 + 2_500)).toEqual({ minute: 1, hour: 2 });
    expect(asked.at(-1)).toEqual([t0 - 2_000, t0 + 3_000]);
    // The clock went back: everything again.
    counter.counts(t0 - 60_000);
    expect(asked.at(-1)).toEqual([t0 - 60_000 - 3_599_000, t0 - 59_000]);
    // An hour or more without a call: everything again.
    counter.counts(t0 + 3_600_000);
    expect(asked.at(-1)).toEqual([t0 + 1000, t0 + 3_601_000]);
  });

  it('agrees with a plain count of the window at every call, as finishes keep coming', () => {
    let seed = 42;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const times: number[] = [];
    const { bySecond } = source(times);
    const counter = new FinishCounter(bySecond);
    let now = t0;
    for (let call = 0; call < 400; call++) {
      // Some seconds with many finishes, calls from 0.1 s to 20 minutes apart.
      const gap = random() < 0.1 ? random() * 1_200_000 : random() * 3_000;
      for (let k = Math.floor(random() * 50); k > 0; k--) times.push(Math.floor(now + random() * gap));
      now += gap;
      // Only finishes up to now exist (they are written as they happen).
      const visible = times.filter((t) => t < now);
      times.length = 0;
      times.push(...visible);
      expect(counter.counts(now), `call ${call}`).toEqual(plainCount(times, now));
    }
  });

  it('never counts a finish an hour old, however close to an hour apart the calls are', () => {
    for (const gap of [3_590_000, 3_597_000, 3_598_000, 3_599_000, 3_600_000]) {
      const times = [t0 - 2_000];
      const { asked, bySecond } = source(times);
      const counter = new FinishCounter(bySecond);
      expect(counter.counts(t0)).toEqual({ minute: 1, hour: 1 });
      expect(counter.counts(t0 + gap), `gap ${gap}`).toEqual(plainCount(times, t0 + gap));
      expect(asked.at(-1)![0], `gap ${gap}`).toBeGreaterThanOrEqual(t0 + gap - 3_599_000);
    }
  });

  it('keeps a second counted once it is older than a few seconds, even if its jobs are gone', () => {
    const times = [t0 - 20_000, t0 - 1_000];
    const { bySecond } = source(times);
    const counter = new FinishCounter(bySecond);
    expect(counter.counts(t0)).toEqual({ minute: 2, hour: 2 });
    times.length = 0; // both jobs deleted (or run again) since
    // The older finish stays counted; the one of a second ago is recounted (gone).
    expect(counter.counts(t0 + 1_000)).toEqual({ minute: 1, hour: 1 });
  });
});
