/**
 * Why a typed concurrency is refused, in words, or null when the engine will
 * take it. The field shows the reason instead of silently reverting.
 */
import { CONCURRENCY_MAX, CONCURRENCY_MIN } from '../../shared/contract.js';

export function concurrencyProblem(text: string): string | null {
  const trimmed = text.trim();
  if (trimmed === '') return 'Enter a number of slots.';
  const n = Number(trimmed);
  if (!Number.isFinite(n)) return `“${trimmed}” is not a number.`;
  if (!Number.isInteger(n)) return `Use a whole number: ${n} is not one.`;
  if (n < CONCURRENCY_MIN) return `At least ${CONCURRENCY_MIN}: with ${n}, nothing would ever run (pause the queue instead).`;
  if (n > CONCURRENCY_MAX) return `At most ${CONCURRENCY_MAX}: ${n} slots (files in flight at once) would exhaust memory and disk.`;
  return null;
}
