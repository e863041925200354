/** The search view's route parameters as a request, and how its answer reads. */
import { describe, expect, it } from 'vitest';
import { MAX_SEARCH_OFFSET } from '../../../shared/search.js';
import { dayStart, indexingLabel, pageCount, pageOf, rangeLabel, searchRequest } from '../../../renderer/lib/search-view.js';

describe('searchRequest', () => {
  it('is null without a query', () => {
    expect(searchRequest({})).toBeNull();
    expect(searchRequest({ q: '   ' })).toBeNull();
  });

  it('carries the query, known filters and the page as an offset', () => {
    expect(searchRequest({ q: ' fox ', format: 'pdf', status: 'completed', p: '3' })).toEqual({
      query: 'fox',
      format: 'pdf',
      status: 'completed',
      limit: 20,
      offset: 40,
    });
  });

  it('drops filters it does not know rather than send them', () => {
    expect(searchRequest({ q: 'x', format: 'exe', status: 'lost', from: '2026-13-45x', p: '-2' })).toEqual({ query: 'x', limit: 20, offset: 0 });
  });

  it('takes the date range as whole local days, the end exclusive at the next midnight', () => {
    const req = searchRequest({ q: 'x', from: '2026-03-01', to: '2026-03-02' })!;
    expect(req.createdFrom).toBe(new Date(2026, 2, 1).getTime());
    expect(req.createdTo).toBe(new Date(2026, 2, 3).getTime());
    expect(dayStart('2026-3-1')).toBeNull();
  });

  it('never asks past the deepest page the backend serves', () => {
    const req = searchRequest({ q: 'x', p: '999999' })!;
    expect(req.offset).toBeLessThanOrEqual(MAX_SEARCH_OFFSET);
    expect(pageOf({ p: 'abc' })).toBe(1);
    expect(pageCount(1_000_000)).toBe(pageOf({ p: '999999' }));
  });
});

describe('rangeLabel', () => {
  it('says which results are shown', () => {
    expect(rangeLabel(20, 20, 137)).toBe('Results 21–40 of 137');
    expect(rangeLabel(0, 0, 0)).toBe('No results');
    expect(rangeLabel(0, 1, 1)).toBe('Results 1–1 of 1');
  });
});

describe('indexingLabel', () => {
  it('says how many files the search could not look in yet', () => {
    expect(indexingLabel(1)).toBe('Indexing 1 file… it is not searched yet: search again in a moment.');
    expect(indexingLabel(2345)).toBe('Indexing 2,345 files… they are not searched yet: search again in a moment.');
  });
});
