/**
 * A worker that cannot see a job's file fetches its bytes from the owner's
 * file endpoint (file-endpoint.ts): by job id, never by a path of the
 * worker's choosing, with the worker token, streamed to a temporary file,
 * and checked: the byte count against the owner's X-Size header and the
 * task's size, the sha256 against the owner's trailer.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExtractionError } from '../../../shared/extraction.js';
import { sanitizeComponent } from '../../../shared/names.js';

export interface FetchRequest {
  url: string;
  jobId: string;
  token?: string;
  /** The owner's path: only its base name is used (the extension helps detection). */
  name: string;
  sizeBytes: number | null;
  signal: AbortSignal;
}

export interface FetchedSource {
  path: string;
  dispose(): Promise<void>;
}

export async function fetchSource(req: FetchRequest): Promise<FetchedSource> {
  const dir = await mkdtemp(path.join(tmpdir(), 'quarry-worker-'));
  const file = path.join(dir, sanitizeComponent(path.basename(req.name.replace(/\\/g, '/'))) || 'file');
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const res = await request(req);
    const expected = Number(res.headers['x-size']);
    const hash = createHash('sha256');
    let bytes = 0;
    const count = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
    });
    await pipeline(res, count, createWriteStream(file, { flags: 'wx' }), { signal: req.signal });
    const sha256 = res.trailers['x-sha256'];
    if (!Number.isFinite(expected) || bytes !== expected || (req.sizeBytes !== null && bytes !== req.sizeBytes)) {
      throw new ExtractionError('file_busy', `The file arrived with ${bytes} bytes instead of ${expected}: it changed or the transfer broke.`);
    }
    if (!sha256 || sha256 !== hash.digest('hex')) throw new ExtractionError('file_busy', 'The file arrived damaged (its sha256 does not match the owner’s).');
    return { path: file, dispose };
  } catch (e) {
    await dispose();
    if (e instanceof ExtractionError) throw e;
    if (req.signal.aborted) throw req.signal.reason;
    throw new ExtractionError('file_busy', `The file could not be fetched from the owner: ${(e as Error).message}`);
  }
}

function request(req: FetchRequest): Promise<IncomingMessage> {
  const url = new URL(`files/${encodeURIComponent(req.jobId)}`, req.url.endsWith('/') ? req.url : `${req.url}/`);
  const get = url.protocol === 'https:' ? httpsGet : httpGet;
  return new Promise((resolve, reject) => {
    const r = get(url, { headers: req.token ? { authorization: `Bearer ${req.token}` } : {}, signal: req.signal }, (res) => {
      if (res.statusCode === 200) return resolve(res);
      res.resume();
      const code = res.statusCode === 404 ? 'file_not_found' : res.statusCode === 401 || res.statusCode === 403 ? 'permission_denied' : 'file_busy';
      reject(new ExtractionError(code, `The owner's file endpoint answered ${res.statusCode} for this file.`));
    });
    r.on('error', reject);
  });
}
