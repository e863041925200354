/**
 * Small files travel to workers in groups: one BullMQ job for several files
 * (protocol.ts, `groupTaskSchema`). A BullMQ task costs the owner, Redis and
 * the worker about half a millisecond per thread, more than a small text file
 * takes to extract; a group pays it once for all its files.
 *
 * The files are cut into groups as the local pool cuts them into thread
 * tasks (pool-groups.ts, `splitIntoGroups`): files with different time limits
 * apart, spread so each remote thread has a group running and one waiting,
 * at most MAX_GROUP files each. The worker hands a group's files to its
 * extraction host together, which groups them again for its threads.
 *
 * Every file keeps its own job id and attempt token, so each semantic holds
 * per file (dispatcher.ts): its outcome settles its job once (a duplicate
 * group's outcomes are dropped file by file); a cancel stops that file only;
 * a host crash fails every file it was running as `host_crashed` (their
 * attempts not counted; each runs again alone, and only the culprit fails);
 * a lost group (its worker killed) is lost for each of its files, likewise.
 * Only files that never ran before are grouped: a retry, a suspect of a crash
 * or a recovered job goes alone (and may be adopted, see dispatcher.ts).
 */
import { randomUUID } from 'node:crypto';
import { MAX_GROUP, splitIntoGroups } from '../pool-groups.js';
import type { RemoteTask } from './protocol.js';

const GROUP_PREFIX = 'group-';

export const newGroupId = (): string => `${GROUP_PREFIX}${randomUUID()}`;
export const isGroupId = (id: string): boolean => id.startsWith(GROUP_PREFIX);

/** The tasks cut into groups (a group of one is sent as a task of its own). */
export function packGroups<T extends { task: RemoteTask }>(items: T[], o: { threads: number; inFlight: number }): T[][] {
  return splitIntoGroups(items, (i) => i.task.timeoutMs, { threads: o.threads, inFlight: o.inFlight, maxSize: MAX_GROUP });
}
