/**
 * The owner's file endpoint, for workers that cannot see the owner's paths:
 * GET /files/<job id> with `Authorization: Bearer <worker token>` streams
 * that job's source file. Only the source of a job that is running (claimed
 * and dispatched) is served: a worker names a job, never a path. The size
 * goes first (X-Size) and the sha256 last (a trailer, computed while
 * streaming), so the worker checks both (file-fetch.ts). Workers send back
 * through it what does not fit Redis: a large outcome (PUT /results/...,
 * large-result.ts) and the files an extraction wrote when they cannot see the
 * spool folder (PUT /spool/..., spool-upload.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError } from '../errors.js';
import type { Job } from '../../../shared/job.js';
import type { JobStore } from '../store/job-store.js';
import { jobSpoolDir } from '../paths.js';
import { resolveInside } from '../contain.js';
import { MAX_RESULT_UPLOAD_BYTES, RESULT_FILE_PREFIX, resultFileName, TOKEN_PATTERN } from './large-result.js';

export interface FileEndpointOptions {
  store: JobStore;
  /** Where jobs' spool folders are: large results are received into them (large-result.ts). */
  spoolRoot: string;
  token: string;
  /**
   * The attempt token the owner waits for on a job (dispatcher.ts,
   * attemptOf): an upload under any other token is a stale attempt's (a
   * worker that was given up on, a task sent again since) and is refused, so
   * it cannot write into the current attempt's spool folder. Undefined: not
   * known yet (an owner restarted, adopting what runs), any token is taken.
   */
  attempt?: (jobId: string) => string | undefined;
  /** Where to listen (default 127.0.0.1 and a free port). */
  host?: string;
  port?: number;
}

export interface FileEndpoint {
  /** The URL workers are given (http://host:port/). */
  url: string;
  /** Files served so far (tests, the Workers view). */
  served(): number;
  close(): Promise<void>;
}

export async function startFileEndpoint(o: FileEndpointOptions): Promise<FileEndpoint> {
  if (o.token.length < 16) throw new InvalidInputError('The worker token must be at least 16 characters.');
  let served = 0;
  const server: Server = createServer((req, res) => {
    serve(o, req, res).then(
      (ok) => ok && served++,
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', () => resolve());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    served: () => served,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An upload under another token than the attempt the owner waits for. */
/** The running job an upload is for, or nothing once the refusal is sent: no such running job (404), or another attempt's token (409). */
function uploadTarget(o: FileEndpointOptions, jobId: string, token: string, fail: (status: number, text: string) => boolean): Job | undefined {
  const job = o.store.get(jobId);
  if (!job || job.status !== 'running' || !TOKEN_PATTERN.test(token)) return void fail(404, 'no running job has that id');
  const current = o.attempt?.(jobId);
  if (current !== undefined && current !== token) return void fail(409, 'not the attempt the owner waits for');
  return job;
}

function authorized(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.startsWith('Bearer ') ? header.slice(7) : '');
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}

async function serve(o: FileEndpointOptions, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const fail = (status: number, text: string) => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
    return false;
  };
  if (!authorized(req.headers.authorization, o.token)) return fail(401, 'worker token required');
  const put = /^\/results\/([0-9a-f-]{36})\/([0-9a-f-]{36})$/.exec(req.url ?? '');
  if (req.method === 'PUT' && put) return receiveResult(o, put[1]!, put[2]!, req, fail);
  const spool = /^\/spool\/([0-9a-f-]{36})\/([0-9a-f-]{36})\/(.+)$/.exec(req.url ?? '');
  if (req.method === 'PUT' && spool) return receiveSpoolFile(o, spool[1]!, spool[2]!, spool[3]!, req, fail);
  const m = /^\/files\/([0-9a-f-]{36})$/.exec(req.url ?? '');
  if (req.method !== 'GET' || !m) return fail(404, 'not found');
  const job = o.store.get(m[1]!);
  if (!job || job.status !== 'running' || !job.sourcePath) return fail(404, 'no running job with a file has that id');
  const info = await stat(job.sourcePath).catch(() => undefined);
  if (!info?.isFile()) return fail(404, 'the file is gone');
  const hash = createHash('sha256');
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'x-size': String(info.size), trailer: 'x-sha256' });
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(createReadStream(job.sourcePath), tap, res, { end: false });
  res.addTrailers({ 'x-sha256': hash.digest('hex') });
  res.end();
  return true;
}

/**
 * PUT /results/<job id>/<token>: a worker hands over an outcome too large for
 * Redis. Only for a running job, size-capped, written under the job's own
 * spool folder with a name built here; the dispatcher reads it when the
 * reference arrives and checks it like any outcome.
 */
async function receiveResult(
  o: FileEndpointOptions,
  jobId: string,
  token: string,
  req: IncomingMessage,
  fail: (status: number, text: string) => boolean,
): Promise<boolean> {
  const job = uploadTarget(o, jobId, token, fail);
  if (!job) return false;
  const declared = Number(req.headers['content-length']);
  if (!Number.isFinite(declared) || declared > MAX_RESULT_UPLOAD_BYTES) return fail(413, 'result too large');
  const dir = jobSpoolDir(o.spoolRoot, job.id);
  await mkdir(dir, { recursive: true });
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > MAX_RESULT_UPLOAD_BYTES ? new Error('result too large') : null, chunk);
    },
  });
  await pipeline(req, cap, createWriteStream(path.join(dir, resultFileName(token))));
  return fail(204, '');
}

/**
 * PUT /spool/<job id>/<token>/<relative path>: a file the extraction of a
 * running job wrote (an archive's entry), from a worker that cannot see the
 * spool folder. Written under that job's spool folder only (contain.ts:
 * no "..", no link out), size-capped.
 */
async function receiveSpoolFile(
  o: FileEndpointOptions,
  jobId: string,
  token: string,
  encoded: string,
  req: IncomingMessage,
  fail: (status: number, text: string) => boolean,
): Promise<boolean> {
  const job = uploadTarget(o, jobId, token, fail);
  if (!job) return false;
  let rel: string;
  try {
    rel = encoded.split('/').map(decodeURIComponent).join('/');
  } catch {
    return fail(400, 'bad path');
  }
  const declared = Number(req.headers['content-length']);
  if (!Number.isFinite(declared) || declared > MAX_RESULT_UPLOAD_BYTES) return fail(413, 'file too large');
  const spoolDir = jobSpoolDir(o.spoolRoot, job.id);
  const target = await resolveInside(spoolDir, rel, 'write');
  if (!target.ok) return fail(400, `refused: ${target.reason}`);
  // The name of a handed-over outcome (large-result.ts) is the owner's to build, never a worker's:
  // judged where the path lands, so "x/../remote-result-…" is refused like the plain name.
  const landed = path.relative(await realpath(spoolDir), target.path);
  if (!landed.includes(path.sep) && landed.startsWith(RESULT_FILE_PREFIX)) return fail(400, 'reserved name');
  let bytes = 0;
  const cap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > declared ? new Error('more bytes than declared') : null, chunk);
    },
  });
  // Written aside and renamed when whole: an upload cut off never leaves a truncated entry under its real name.
  const part = `${target.path}.part-${token}`;
  try {
    await pipeline(req, cap, createWriteStream(part));
    await rename(part, target.path);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
  return fail(204, '');
}
