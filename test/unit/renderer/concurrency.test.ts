import { describe, expect, it } from 'vitest';
import { concurrencyProblem } from '../../../renderer/lib/concurrency.js';

describe('concurrencyProblem', () => {
  it('accepts whole numbers from 1 to 256', () => {
    for (const ok of ['1', '2', ' 8 ', '256']) expect(concurrencyProblem(ok)).toBeNull();
  });

  it('says why it refuses the rest', () => {
    expect(concurrencyProblem('0')).toMatch(/^At least 1: with 0, nothing would ever run/);
    expect(concurrencyProblem('-3')).toMatch(/^At least 1/);
    expect(concurrencyProblem('999')).toMatch(/^At most 256/);
    expect(concurrencyProblem('2.5')).toBe('Use a whole number: 2.5 is not one.');
    expect(concurrencyProblem('')).toBe('Enter a number of slots.');
    expect(concurrencyProblem('abc')).toBe('“abc” is not a number.');
  });
});
