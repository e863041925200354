// Numbered migrations, applied in order at open. Never edit a released one:
// add the next number instead.
import m001 from './001-init.js';
import m002 from './002-batches-control.js';
import m003 from './003-history-from-row.js';
import m004 from './004-batches-index.js';
import m005 from './005-results-search.js';
import m006 from './006-list-sort.js';
import m007 from './007-ran-by.js';
import m008 from './008-fts-pending.js';
import m009 from './009-status-sort.js';
import m010 from './010-completion-indexes.js';
import m011 from './011-count-inserts.js';
import m012 from './012-count-completions.js';
import m013 from './013-fts-contentless.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'init', sql: m001 },
  { version: 2, name: 'batches-control', sql: m002 },
  { version: 3, name: 'history-from-row', sql: m003 },
  { version: 4, name: 'batches-index', sql: m004 },
  { version: 5, name: 'results-search', sql: m005 },
  { version: 6, name: 'list-sort', sql: m006 },
  { version: 7, name: 'ran-by', sql: m007 },
  { version: 8, name: 'fts-pending', sql: m008 },
  { version: 9, name: 'status-sort', sql: m009 },
  { version: 10, name: 'completion-indexes', sql: m010 },
  { version: 11, name: 'count-inserts', sql: m011 },
  { version: 12, name: 'count-completions', sql: m012 },
  { version: 13, name: 'fts-contentless', sql: m013 },
];
