/** How a result and a history read in the detail view. */
import { describe, expect, it } from 'vitest';
import type { JobEvent } from '../../../shared/job.js';
import {
  capText,
  columnName,
  entityGroups,
  historySteps,
  readableKey,
  readableValue,
  retryCountdown,
  tableLabel,
  tableShape,
  toDelimited,
} from '../../../renderer/lib/result-view.js';

describe('tables', () => {
  it('names a table by its name, else its page, else its place', () => {
    expect(tableLabel({ name: ' Sheet1 ', rows: [], hasHeader: true }, 0)).toBe('Sheet1');
    expect(tableLabel({ page: 3, rows: [], hasHeader: true }, 0)).toBe('Page 3');
    expect(tableLabel({ rows: [], hasHeader: true }, 4)).toBe('Table 5');
  });

  it('splits the header from the body and counts the widest row', () => {
    expect(
      tableShape({
        rows: [
          ['a', 'b'],
          ['1', '2', '3'],
        ],
        hasHeader: true,
      }),
    ).toEqual({ header: ['a', 'b'], body: [['1', '2', '3']], columns: 3 });
    expect(tableShape({ rows: [['1']], hasHeader: false })).toEqual({ header: null, body: [['1']], columns: 1 });
  });

  it('copies as CSV with RFC 4180 quoting, and as TSV without breaking rows', () => {
    const rows = [
      ['name', 'note'],
      ['a,b', 'say "hi"\nthen go'],
      ['tab\there', ''],
    ];
    expect(toDelimited(rows, 'csv')).toBe('name,note\r\n"a,b","say ""hi""\nthen go"\r\ntab\there,\r\n');
    expect(toDelimited(rows, 'tsv')).toBe('name\tnote\r\na,b\tsay "hi" then go\r\ntab here\t\r\n');
    expect(toDelimited([], 'csv')).toBe('');
  });

  it('names columns like a spreadsheet', () => {
    expect([0, 25, 26, 27, 701, 702].map(columnName)).toEqual(['A', 'Z', 'AA', 'AB', 'ZZ', 'AAA']);
  });
});

describe('metadata', () => {
  it('reads values as text', () => {
    expect(readableValue('Report')).toBe('Report');
    expect(readableValue(1234567.5)).toBe('1234567.5');
    expect(readableValue(true)).toBe('yes');
    expect(readableValue(null)).toBe('—');
    expect(readableValue('()')).toBe('—');
    expect(readableValue(['a', 'b', 3])).toBe('a, b, 3');
    expect(readableValue({ width: 10, unit: 'mm' })).toBe('width: 10; unit: mm');
    expect(readableValue({ latitude: 43.4674, longitude: 11.8851 })).toBe('43.4674, 11.8851');
  });

  it('reads keys as words unless they are namespaced', () => {
    expect(readableKey('creationDate')).toBe('Creation date');
    expect(readableKey('page_count')).toBe('Page count');
    expect(readableKey('dc:title')).toBe('dc:title');
  });
});

describe('history', () => {
  const ev = (id: number, at: number, from: JobEvent['fromStatus'], to: JobEvent['toStatus'], attempt: number, errorCode: string | null = null): JobEvent => ({
    id,
    jobId: 'j',
    at,
    fromStatus: from,
    toStatus: to,
    attempt,
    errorCode,
    errorMessage: errorCode ? 'boom' : null,
  });

  it('says what each step was and how long each attempt ran', () => {
    const steps = historySteps([
      ev(4, 5_000, 'running', 'failed', 2, 'pdf_damaged'),
      ev(1, 0, null, 'pending', 0),
      ev(2, 100, 'pending', 'running', 1),
      ev(3, 1_100, 'running', 'pending', 1, 'timeout'),
      ev(5, 3_000, 'pending', 'running', 2),
    ]);
    expect(steps.map((s) => s.label)).toEqual(['Queued', 'Started', 'Failed, will retry', 'Failed', 'Started']);
    expect(steps.map((s) => s.attemptMs)).toEqual([null, null, 1_000, null, null]);
    // Sorted by the event's place in the history, not by arrival.
    expect(steps.map((s) => s.event.id)).toEqual([1, 2, 3, 4, 5]);
    expect(steps.map((s) => s.sincePrevious)).toEqual([null, 100, 1_000, 3_900, 0]);
  });

  it('counts down to a retry', () => {
    expect(retryCountdown(12_000, 0)).toBe('in 12 s');
    expect(retryCountdown(0, 5)).toBe('due now');
  });
});

describe('caps', () => {
  it('cuts a long text and says how much is hidden', () => {
    expect(capText('abcdef', 4)).toEqual({ shown: 'abcd', hidden: 2 });
    expect(capText('abc', 4)).toEqual({ shown: 'abc', hidden: 0 });
  });

  it('groups entities by type, most frequent first', () => {
    expect(
      entityGroups([
        { type: 'link', value: 'a' },
        { type: 'email', value: 'b' },
        { type: 'link', value: 'c' },
      ]),
    ).toEqual([
      { type: 'link', count: 2 },
      { type: 'email', count: 1 },
    ]);
  });
});
