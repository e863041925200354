/** The window's places as URL hashes: what reload and Back depend on. */
import { describe, expect, it } from 'vitest';
import { formatRoute, parseRoute, type Route } from '../../../renderer/store/route.js';

describe('route', () => {
  it('reads views, ids and parameters', () => {
    expect(parseRoute('#/jobs/abc-1?page=3')).toEqual({ view: 'jobs', id: 'abc-1', params: { page: '3' } });
    expect(parseRoute('#/search?q=%22exact+phrase%22')).toEqual({ view: 'search', params: { q: '"exact phrase"' } });
    expect(parseRoute('#/stats')).toEqual({ view: 'stats', params: {} });
  });

  it('takes anything unknown for the jobs list', () => {
    for (const h of ['', '#', '#/', '#/nowhere/x', 'garbage']) expect(parseRoute(h)).toEqual({ view: 'jobs', params: {} });
  });

  it('round-trips, with ids and values that need escaping', () => {
    const routes: Route[] = [
      { view: 'jobs', id: 'a/b?c#d', params: { page: '2' } },
      { view: 'search', params: { q: 'naïve & "x y" -z*', format: 'pdf' } },
      { view: 'batches', id: 'b1', params: {} },
    ];
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
  });

  it('writes parameters in a stable order and drops empty ones', () => {
    expect(formatRoute({ view: 'search', params: { q: 'x', format: 'pdf', status: '' } })).toBe('#/search?format=pdf&q=x');
  });
});
