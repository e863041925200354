// The owner's file endpoint, receiving side (issue #16): what a worker that
// cannot see the spool folder uploads (an archive's entries) lands under the
// running job's own spool folder and nowhere else. A real JobStore, a real
// HTTP server on loopback, real files.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFileEndpoint, type FileEndpoint } from '../../main/core/remote/file-endpoint.js';
import { JobStore } from '../../main/core/store/job-store.js';
import { jobSpoolDir } from '../../main/core/paths.js';
import { jobIn } from '../helpers/store-states.js';
import { tempDbPath, tempDir } from '../helpers/tmp.js';

const TOKEN = 'worker-token-0123456789abcdef';
const ATTEMPT = '0b5f3a4e-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
const dir = tempDir('quarry-endpoint-');
const spoolRoot = path.join(dir, 'spool');
let store: JobStore;
let endpoint: FileEndpoint;

beforeAll(async () => {
  store = JobStore.open(tempDbPath(dir));
  endpoint = await startFileEndpoint({ store, spoolRoot, token: TOKEN });
});
afterAll(async () => {
  await endpoint.close();
  store.close();
});

function put(pathAndQuery: string, body: string, token = TOKEN, base = endpoint.url): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: pathAndQuery,
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('PUT /spool: files an extraction wrote, from a worker that cannot see the spool folder', () => {
  it('a running job gets its entry, under its own spool folder', async () => {
    const job = jobIn(store, 'running');
    expect(await put(`/spool/${job.id}/${ATTEMPT}/docs/a%20b.txt`, 'entry text')).toBe(204);
    expect(readFileSync(path.join(jobSpoolDir(spoolRoot, job.id), 'docs', 'a b.txt'), 'utf8')).toBe('entry text');
  });

  it('refuses the wrong token, a job not running, a path out of the folder, and the name of a handed-over result', async () => {
    const running = jobIn(store, 'running');
    const done = jobIn(store, 'completed');
    expect(await put(`/spool/${running.id}/${ATTEMPT}/x.txt`, 'x', 'not-the-token-at-all-0000')).toBe(401);
    expect(await put(`/spool/${done.id}/${ATTEMPT}/x.txt`, 'x')).toBe(404);
    expect(await put(`/spool/${running.id}/not-a-token/x.txt`, 'x')).toBe(404);
    for (const escape of ['../escape.txt', '%2e%2e/escape.txt', '..%2fescape.txt', 'docs/../../escape.txt', '%2Ftmp%2Fescape.txt']) {
      expect(await put(`/spool/${running.id}/${ATTEMPT}/${escape}`, 'x'), escape).toBe(400);
    }
    expect(existsSync(path.join(spoolRoot, 'escape.txt'))).toBe(false);
    expect(existsSync('/tmp/escape.txt')).toBe(false);
    expect(await put(`/spool/${running.id}/${ATTEMPT}/remote-result-${ATTEMPT}.json`, '{}')).toBe(400);
    // The reserved name reached by a detour is the same name.
    for (const detour of [`x/../remote-result-${ATTEMPT}.json`, `x%2F..%2Fremote-result-${ATTEMPT}.json`]) {
      expect(await put(`/spool/${running.id}/${ATTEMPT}/${detour}`, '{}'), detour).toBe(400);
    }
    expect(existsSync(path.join(jobSpoolDir(spoolRoot, running.id), `remote-result-${ATTEMPT}.json`))).toBe(false);
    // A name that merely starts like it, one folder down, is an entry like any other.
    expect(await put(`/spool/${running.id}/${ATTEMPT}/inner/remote-result-notes.txt`, 'x')).toBe(204);
  });
});

describe('PUT from a stale attempt (a worker given up on, its task sent again since)', () => {
  it('is refused when the owner waits for another attempt of the job; taken when it waits for this one or does not know yet', async () => {
    const STALE = '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f';
    const waitingFor = new Map<string, string>();
    const guarded = await startFileEndpoint({ store, spoolRoot, token: TOKEN, attempt: (id) => waitingFor.get(id) });
    const via = (p: string, body: string) => put(p, body, TOKEN, guarded.url);
    try {
      const job = jobIn(store, 'running');
      const spool = jobSpoolDir(spoolRoot, job.id);
      waitingFor.set(job.id, ATTEMPT);
      expect(await via(`/spool/${job.id}/${STALE}/entry.txt`, 'stale')).toBe(409);
      expect(await via(`/results/${job.id}/${STALE}`, '{}')).toBe(409);
      expect(existsSync(path.join(spool, 'entry.txt'))).toBe(false);
      expect(existsSync(path.join(spool, `remote-result-${STALE}.json`))).toBe(false);
      expect(await via(`/spool/${job.id}/${ATTEMPT}/entry.txt`, 'current')).toBe(204);
      expect(readFileSync(path.join(spool, 'entry.txt'), 'utf8')).toBe('current');
      // Not known (an owner restarted, adopting what runs): the job's running, any attempt may hand in.
      waitingFor.delete(job.id);
      expect(await via(`/spool/${job.id}/${STALE}/later.txt`, 'adopted')).toBe(204);
    } finally {
      await guarded.close();
    }
  });
});
