// A password given for an encrypted file reaches the extractor, and never a
// window: contract answers and pushed events carry it hidden. Real engine,
// real worker, a real encrypted PDF.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Engine } from '../../main/core/engine.js';
import { createHandlers, dispatch, subscribeEvents, type Handlers } from '../../main/core/handlers.js';
import { HIDDEN_SECRET } from '../../main/core/secrets.js';
import { makeEncryptedPdf } from '../helpers/fixtures.js';
import { tempDir } from '../helpers/tmp.js';
import { until } from '../helpers/wait.js';

const dir = tempDir('quarry-secrets-');
let engine: Engine;
let handlers: Handlers;
const pushed: string[] = [];

beforeAll(() => {
  engine = new Engine({ dbPath: path.join(dir, 'q.db'), concurrency: 1, scheduler: { pollIntervalMs: 30 } }).start();
  handlers = createHandlers(engine, { transport: 'browser', version: '0.0.0-test', dbPath: 'q.db', exportsDir: path.join(dir, 'exports') });
  subscribeEvents(engine, (event, payload) => pushed.push(`${event} ${JSON.stringify(payload)}`));
});
afterAll(() => engine?.close({ abort: true }));

const call = (channel: string, input: unknown) => dispatch(handlers, channel, input) as Promise<any>;

it('hides the password from every answer and event, while the extractor opens the file with it', async () => {
  const file = path.join(dir, 'locked.pdf');
  writeFileSync(file, makeEncryptedPdf({ userPassword: 'granite-7431', ownerPassword: 'owner', text: 'Quarry ledger 1907', title: 'Ledger' }));
  const { jobs } = await call('jobs.addPaths', { paths: [file] });
  const id: string = jobs[0].id;
  await until(() => engine.get(id).status === 'failed', 20_000);

  const retried = await call('jobs.retryWithPassword', { id, password: 'granite-7431' });
  expect(retried.options.password).toBe(HIDDEN_SECRET);
  await until(() => engine.get(id).status === 'completed', 20_000);
  expect(engine.store.result(id)!.text).toContain('Quarry ledger 1907');
  // The store keeps it for the extractor (a retry or a re-run needs it again).
  expect(engine.get(id).options.password).toBe('granite-7431');

  const detail = await call('jobs.get', { id });
  expect(detail.job.options.password).toBe(HIDDEN_SECRET);
  const page = await call('list.query', {});
  const answers = JSON.stringify([retried, detail, page, await call('jobs.list', {})]);
  expect(answers).toContain(id);
  expect(answers).not.toContain('granite-7431');
  expect(pushed.some((e) => /^jobs?\.changed /.test(e) && e.includes(id))).toBe(true);
  expect(pushed.join('\n')).not.toContain('granite-7431');
});
