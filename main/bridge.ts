/**
 * The browser bridge: the same handlers as the Electron IPC, over HTTP on
 * 127.0.0.1, with events as Server-Sent Events. It serves the built renderer,
 * so the dashboard runs in any browser where Electron cannot.
 *
 * Security: loopback only; a random per-run token, exchanged once for an
 * HttpOnly SameSite=Strict cookie and required on every request; the Host
 * header must name this server, as 127.0.0.1:PORT or localhost:PORT (no DNS
 * rebinding), and a POST's Origin must be the origin of that same Host;
 * strict CSP on every page; bounded bodies; every path that names a file
 * goes through resolveInside (core/contain.ts), so none escapes its folder.
 */
import { createReadStream } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BRIDGE_ROUTES, ContractError, type ErrorKind } from '../shared/contract.js';
import { sanitizeRelative } from '../shared/names.js';
import { resolveInside } from './core/contain.js';
import type { Engine } from './core/engine.js';
import { createHandlers, dispatch, subscribeEvents, type HandlerEnv } from './core/handlers.js';
import { attachmentDisposition, sourceFileOf } from './desktop/open-policy.js';

export interface BridgeOptions {
  engine: Engine;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  /** Uploaded files land here, one sub-folder per run. */
  intakeDir: string;
  exportsDir: string;
  version: string;
  dbPath: string;
  port?: number;
  token?: string;
  maxInvokeBytes?: number;
  maxUploadBytes?: number;
}

export interface Bridge {
  /** The URL to open: carries the token once; the server swaps it for a cookie. */
  url: string;
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

const COOKIE = 'quarry_token';
const STATUS: Record<ErrorKind, number> = {
  invalid_input: 400,
  unknown_channel: 404,
  not_found: 404,
  invalid_state: 409,
  unauthorized: 401,
  internal: 500,
};
const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function sendError(res: ServerResponse, err: ContractError): void {
  sendJson(res, STATUS[err.kind], err.toWire());
}

/** What a browser shows when its key is missing or old: plain HTML, no script, no inline style (the CSP holds). */
function sendKeyPage(res: ServerResponse): void {
  res.writeHead(401, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Quarry: open the printed address</title></head><body>' +
      '<h1>Quarry needs its key</h1>' +
      '<p>This address is missing the key of the running Quarry server (it may have been restarted with a new one).</p>' +
      '<p>Open the address that <code>quarry serve</code> (or <code>npm start</code>) printed when it started: it ends with <code>?token=…</code>.</p>' +
      '</body></html>',
  );
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

/**
 * Reads a bounded body. Past the limit the rest is read and dropped, so the
 * client still gets a readable answer (a reset connection explains nothing);
 * a client that goes on far past it is cut off.
 */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit * 4) req.destroy();
    else if (size <= limit) chunks.push(chunk as Buffer);
  }
  if (size > limit) throw new ContractError('invalid_input', `Request body too large (${size} bytes; the limit is ${limit}).`);
  return Buffer.concat(chunks);
}

/** Longer upload names are refused, not shortened: a folder upload's paths must stay recognisable. */
export const MAX_UPLOAD_NAME = 1024;

/** decodeURIComponent, with a malformed escape ("%E0%A4%A") answered as bad input rather than a crash. */
function decodePath(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new ContractError('invalid_input', 'The URL has a malformed percent-escape.');
  }
}

const hosts = (port: number) => [`127.0.0.1:${port}`, `localhost:${port}`];

/** A POST with an Origin must come from the origin of the Host it was sent to (no cross-site, no 'null'). */
function sameOrigin(req: IncomingMessage): boolean {
  return req.headers.origin === undefined || req.headers.origin === `http://${req.headers.host}`;
}

/**
 * Opens a new file for writing, never over an existing one. A name already
 * taken (the same file dropped again) goes into a numbered folder under the
 * same name ("again-2/normal.csv"), so its job keeps the name the person gave.
 */
async function createUnique(root: string, rel: string) {
  for (let n = 1; ; n++) {
    const target = await resolveInside(root, n === 1 ? rel : `again-${n}/${rel}`, 'write');
    if (!target.ok) throw new ContractError('invalid_input', `Cannot store an upload named "${rel}".`);
    try {
      return { path: target.path, handle: await open(target.path, 'wx') };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || n > 1000) throw err;
    }
  }
}

export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? randomBytes(32).toString('base64url');
  const maxInvoke = opts.maxInvokeBytes ?? 16 * 1024 * 1024;
  const maxUpload = opts.maxUploadBytes ?? 4 * 1024 ** 3;
  const runIntake = path.join(opts.intakeDir, new Date().toISOString().replace(/[:.]/g, '-'));
  const env: HandlerEnv = { transport: 'browser', version: opts.version, dbPath: opts.dbPath, exportsDir: opts.exportsDir };
  const handlers = createHandlers(opts.engine, env);
  const streams = new Set<ServerResponse>();
  let origin = '';

  const unsubscribe = subscribeEvents(opts.engine, (event, payload) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const res of streams) {
      // A client that stops reading is dropped; it reconnects and resyncs.
      if (res.writableLength > 8 * 1024 * 1024) res.destroy();
      else res.write(frame);
    }
  });

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendError(res, err instanceof ContractError ? err : new ContractError('internal', String(err?.message ?? err)));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    securityHeaders(res);
    if (!hosts(port()).includes(req.headers.host ?? '')) {
      res.writeHead(421).end('Misdirected request');
      return;
    }
    const url = new URL(req.url ?? '/', origin);
    const given = url.searchParams.get('token');
    if (given !== null && req.method === 'GET') {
      if (!safeEqual(given, token)) return sendError(res, new ContractError('unauthorized', 'Wrong token: open the URL that Quarry printed.'));
      url.searchParams.delete('token');
      res.writeHead(302, {
        'Set-Cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
      });
      res.end();
      return;
    }
    const auth = req.headers.authorization?.replace(/^Bearer /, '') ?? cookieToken(req);
    if (!auth || !safeEqual(auth, token)) {
      // A person opening the page (not a script) gets a page that says what to do, not raw JSON.
      if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) return sendKeyPage(res);
      return sendError(res, new ContractError('unauthorized', 'Missing or wrong token: open the URL that Quarry printed.'));
    }
    if (req.method === 'POST' && !sameOrigin(req)) {
      return sendError(res, new ContractError('unauthorized', 'Cross-origin request refused.'));
    }

    if (req.method === 'POST' && url.pathname.startsWith(BRIDGE_ROUTES.invoke)) return invoke(req, res, url);
    if (req.method === 'GET' && url.pathname === BRIDGE_ROUTES.events) return events(req, res);
    if (req.method === 'POST' && url.pathname === BRIDGE_ROUTES.upload) return upload(req, res, url);
    if (req.method === 'GET' && url.pathname.startsWith(BRIDGE_ROUTES.download)) return download(res, url);
    if ((req.method === 'GET' || req.method === 'HEAD') && url.pathname.startsWith(BRIDGE_ROUTES.original)) return original(req, res, url);
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, url);
    res.writeHead(405).end();
  }

  async function invoke(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendError(res, new ContractError('invalid_input', 'Calls must be sent as application/json.'));
    }
    const channel = decodePath(url.pathname.slice(BRIDGE_ROUTES.invoke.length));
    const body = await readBody(req, maxInvoke);
    let input: unknown;
    try {
      input = body.length ? JSON.parse(body.toString('utf8')) : {};
    } catch {
      return sendError(res, new ContractError('invalid_input', 'The request body is not valid JSON.'));
    }
    try {
      sendJson(res, 200, await dispatch(handlers, channel, input));
    } catch (err) {
      sendError(res, err as ContractError);
    }
  }

  function events(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    // retry: how soon the browser reconnects after a drop (its default is 3 s), so a restarted server is found quickly.
    res.write('retry: 1000\n: connected\n\n');
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      streams.delete(res);
    });
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const name = url.searchParams.get('name') ?? '';
    if (name.length > MAX_UPLOAD_NAME) {
      return sendError(res, new ContractError('invalid_input', `Upload name too long (${name.length} characters; the limit is ${MAX_UPLOAD_NAME}).`));
    }
    const rel = sanitizeRelative(name, '');
    if (!rel) return sendError(res, new ContractError('invalid_input', 'Upload needs a file name (?name=).'));
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUpload) return sendError(res, new ContractError('invalid_input', `File too large to upload (limit ${maxUpload} bytes).`));
    const out = await createUnique(runIntake, rel).catch((err: NodeJS.ErrnoException) => {
      // The message would show the absolute path; the name is all the client needs.
      if (err.code === 'ENAMETOOLONG') throw new ContractError('invalid_input', `Upload name too long for this file system: "${rel}".`);
      throw err;
    });
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxUpload) req.destroy(new ContractError('invalid_input', `File too large to upload (limit ${maxUpload} bytes).`));
    });
    try {
      await pipeline(req, out.handle.createWriteStream());
    } catch (err) {
      // An aborted or refused upload leaves nothing behind: a partial file would be queued as if whole.
      await out.handle.close().catch(() => undefined);
      await rm(out.path, { force: true });
      throw err;
    }
    sendJson(res, 200, { path: out.path });
  }

  async function download(res: ServerResponse, url: URL): Promise<void> {
    const name = decodePath(url.pathname.slice(BRIDGE_ROUTES.download.length));
    const file = await resolveInside(opts.exportsDir, name, 'read');
    if (!file.ok) return sendError(res, new ContractError('not_found', `No exported file named ${name.slice(0, 200)}.`));
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${path.basename(file.path).replace(/["\\\r\n]/g, '')}"`,
      'Content-Length': (await stat(file.path)).size,
    });
    await pipeline(createReadStream(file.path), res);
  }

  /**
   * "Download original": the job's own source file as the store recorded it
   * (the id names the job; no path is ever taken from the request), under the
   * name the person gave it. The browser's counterpart of "Open file".
   */
  async function original(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const id = decodePath(url.pathname.slice(BRIDGE_ROUTES.original.length));
    let job;
    try {
      job = opts.engine.get(id);
    } catch {
      return sendError(res, new ContractError('not_found', `No job ${id.slice(0, 64)}.`));
    }
    const file = await sourceFileOf(job);
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': attachmentDisposition(file.name),
      'Content-Length': file.size,
      'Cache-Control': 'no-store',
    });
    if (req.method === 'HEAD') return void res.end();
    await pipeline(createReadStream(file.path), res);
  }

  async function serveStatic(res: ServerResponse, url: URL): Promise<void> {
    const decoded = decodePath(url.pathname);
    const file = await resolveInside(opts.staticDir, decoded === '/' ? 'index.html' : decoded.slice(1), 'read');
    if (!file.ok) {
      if (!(await resolveInside(opts.staticDir, 'index.html', 'read')).ok) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The dashboard is not built yet: run "npm run build".');
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file.path)] ?? 'application/octet-stream',
      'Cache-Control': file.path.endsWith('.html') ? 'no-store' : 'max-age=3600',
    });
    await pipeline(createReadStream(file.path), res);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, '127.0.0.1', resolve);
    });
  } catch (err) {
    unsubscribe(); // a port taken: the caller may try another, with nothing left behind
    throw err;
  }
  const port = () => (server.address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port()}`;

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port: port(),
    token,
    async close() {
      unsubscribe();
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
