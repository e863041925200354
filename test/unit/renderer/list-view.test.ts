/** The jobs list's view in the URL: what a reload, Back and a link from the sidebar depend on. */
import { describe, expect, it } from 'vitest';
import type { Job } from '../../../shared/job.js';
import { formatRoute, parseRoute } from '../../../renderer/store/route.js';
import { DEFAULT_VIEW, hasListParams, inFilter, listParams, sameView, viewFromParams, type ListView } from '../../../renderer/store/list-view.js';

const day = (y: number, m: number, d: number) => new Date(y, m - 1, d).getTime();

describe('the list view in the URL', () => {
  it('round-trips every filter and sort through a route hash', () => {
    const views: ListView[] = [
      DEFAULT_VIEW,
      { filter: { status: ['failed', 'cancelled'], format: ['pdf'] }, sort: { key: 'duration', dir: 'asc' } },
      { filter: { batch: 'b-1', text: 'naïve & "x y" %_', createdFrom: day(2026, 1, 1), createdTo: day(2026, 2, 1) }, sort: { key: 'name', dir: 'desc' } },
    ];
    for (const v of views) {
      const hash = formatRoute({ view: 'jobs', params: listParams(v) });
      expect(viewFromParams(parseRoute(hash).params)).toEqual(v);
    }
  });

  it('reads "to" as the whole of that day, and writes it back as the same day', () => {
    const v = viewFromParams({ from: '2026-03-01', to: '2026-03-31' });
    expect(v.filter.createdFrom).toBe(day(2026, 3, 1));
    expect(v.filter.createdTo).toBe(day(2026, 4, 1));
    expect(listParams(v)).toEqual({ from: '2026-03-01', to: '2026-03-31' });
  });

  it('ignores what it cannot read, never fails', () => {
    expect(viewFromParams({ status: 'failed,bogus', format: 'nope', sort: 'colour', dir: 'up', from: '2026-13-45x' })).toEqual({
      filter: { status: ['failed'] },
      sort: DEFAULT_VIEW.sort,
    });
    expect(hasListParams({ tab: 'text', page: '2' })).toBe(false);
    expect(hasListParams({ status: 'failed' })).toBe(true);
    expect(sameView(viewFromParams({}), DEFAULT_VIEW)).toBe(true);
  });

  it('judges a pushed job as the engine would', () => {
    const job = {
      kind: 'extract',
      status: 'failed',
      format: 'pdf',
      parentId: 'b-1',
      createdAt: day(2026, 1, 10),
      fileName: 'Report.PDF',
      errorMessage: 'Broken header',
      id: '3f2a9c1e-0000-4000-8000-000000000000',
    } as Job;
    expect(inFilter({ status: ['failed'], format: ['pdf'], batch: 'b-1' }, job)).toBe(true);
    expect(inFilter({ text: 'report' }, job)).toBe(true);
    expect(inFilter({ text: 'header' }, job)).toBe(true);
    expect(inFilter({ text: '3f2a9c' }, job)).toBe(true);
    expect(inFilter({ text: '9c1e-0000' }, job)).toBe(false);
    expect(inFilter({ status: ['completed'] }, job)).toBe(false);
    expect(inFilter({ createdFrom: day(2026, 1, 11) }, job)).toBe(false);
    expect(inFilter({}, { ...job, kind: 'batch' })).toBe(false);
  });
});
