// The state machine's rules as (from, to) pairs, to compare with the
// database's guard trigger (migration 001).
import { RULES } from '../../main/core/state-machine.js';
import type { JobStatus } from '../../shared/job.js';

/** Every (from, to) pair the rules allow: the guard trigger must allow each. */
export function allowedPairs(): Array<[JobStatus, JobStatus]> {
  const pairs: Array<[JobStatus, JobStatus]> = [];
  for (const rule of Object.values(RULES)) {
    for (const from of rule.from) for (const to of rule.to) pairs.push([from, to]);
  }
  return pairs;
}
