/**
 * A job's share of the concurrency (SchedulerOptions.weight): how many jobs
 * the scheduler keeps in flight follows the work, not a setting.
 *
 * - A large file takes a slot: a thread works on it for a while.
 * - A small file (see GROUP_MAX_BYTES) shares a worker task with others
 *   (pool-groups.ts), which needs many in flight: files that parse in well
 *   under a millisecond (text, CSV, JSON, markup, calendars, CAD text) weigh
 *   1/128 of a slot, so at the default concurrency (one slot per core)
 *   hundreds are in flight; other small files (images go through OCR, PDFs
 *   and Office packages take longer) weigh 1/16.
 *
 * The name's extension is only a guess of the cost (the format itself is
 * detected from the content when the file runs); a wrong guess costs some
 * speed, never a wrong result.
 */
import path from 'node:path';
import type { Job } from '../../shared/job.js';
import { GROUP_MAX_BYTES } from './pool-groups.js';

const QUICK = new Set([
  '.txt',
  '.text',
  '.md',
  '.markdown',
  '.log',
  '.csv',
  '.tsv',
  '.json',
  '.xml',
  '.html',
  '.htm',
  '.eml',
  '.ics',
  '.vcf',
  '.dxf',
  '.ifc',
  '.stp',
  '.step',
]);
const QUICK_WEIGHT = 1 / 128;
const SMALL_WEIGHT = 1 / 16;

export function jobWeight(job: Pick<Job, 'sizeBytes' | 'fileName' | 'sourcePath'>): number {
  if (job.sizeBytes === null || job.sizeBytes > GROUP_MAX_BYTES) return 1;
  const ext = path.extname(job.fileName ?? job.sourcePath ?? '').toLowerCase();
  return QUICK.has(ext) ? QUICK_WEIGHT : SMALL_WEIGHT;
}
