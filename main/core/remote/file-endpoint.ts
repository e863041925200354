/**
 * The owner's file endpoint, for workers that cannot see the owner's paths:
 * GET /files/<job id> with `Authorization: Bearer <worker token>` streams
 * that job's source file. Only the source of a job that is running (claimed
 * and dispatched) is served: a worker names a job, never a path. The size
 * goes first (X-Size) and the sha256 last (a trailer, computed while
 * streaming), so the worker checks both (file-fetch.ts).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { InvalidInputError } from '../errors.js';
import type { JobStore } from '../store/job-store.js';

export interface FileEndpointOptions {
  store: JobStore;
  token: string;
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
