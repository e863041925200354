/**
 * The browser bridge: the same handlers as the Electron IPC, over HTTP on
 * 127.0.0.1, with events as Server-Sent Events. It serves the built renderer,
 * so the dashboard runs in any browser where Electron cannot.
 *
 * Security: loopback only; a random per-run token, exchanged once for an
 * HttpOnly SameSite=Strict cookie and required on every request; the Host
 * header must name this server (no DNS rebinding); POSTs must come from our
 * own origin; strict CSP on every page; bounded bodies; no path escapes.
 */
import { createReadStream, createWriteStream, existsSync, mkdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { BRIDGE_ROUTES, ContractError, type ErrorKind } from '../shared/contract.js';
import type { Engine } from './core/engine.js';
import { createHandlers, dispatch, subscribeEvents, type HandlerEnv } from './core/handlers.js';

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

/** An uploaded file's relative name, made safe: no "..", no absolute paths, no odd characters. */
export function safeRelativePath(name: string): string | undefined {
  const parts = name
    .split(/[\\/]+/)
    .map((p) => p.replace(/[\u0000-\u001f<>:"|?*]/g, '_').trim())
    .filter((p) => p && p !== '.' && p !== '..');
  if (!parts.length) return undefined;
  return parts.join(path.sep);
}

function uniquePath(p: string): string {
  if (!existsSync(p)) return p;
  const ext = path.extname(p);
  const base = p.slice(0, p.length - ext.length);
  for (let i = 2; ; i++) {
    const candidate = `${base} (${i})${ext}`;
    if (!existsSync(candidate)) return candidate;
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
    const host = req.headers.host ?? '';
    if (host !== `127.0.0.1:${port()}` && host !== `localhost:${port()}`) {
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
      return sendError(res, new ContractError('unauthorized', 'Missing or wrong token: open the URL that Quarry printed.'));
    }
    if (req.method === 'POST' && req.headers.origin !== undefined && req.headers.origin !== origin) {
      return sendError(res, new ContractError('unauthorized', 'Cross-origin request refused.'));
    }

    if (req.method === 'POST' && url.pathname.startsWith(BRIDGE_ROUTES.invoke)) return invoke(req, res, url);
    if (req.method === 'GET' && url.pathname === BRIDGE_ROUTES.events) return events(req, res);
    if (req.method === 'POST' && url.pathname === BRIDGE_ROUTES.upload) return upload(req, res, url);
    if (req.method === 'GET' && url.pathname.startsWith(BRIDGE_ROUTES.download)) return download(res, url);
    if (req.method === 'GET' || req.method === 'HEAD') return serveStatic(res, url);
    res.writeHead(405).end();
  }

  async function invoke(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendError(res, new ContractError('invalid_input', 'Calls must be sent as application/json.'));
    }
    const channel = decodeURIComponent(url.pathname.slice(BRIDGE_ROUTES.invoke.length));
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
    res.write(': connected\n\n');
    streams.add(res);
    const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(ping);
      streams.delete(res);
    });
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const rel = safeRelativePath(url.searchParams.get('name') ?? '');
    if (!rel) return sendError(res, new ContractError('invalid_input', 'Upload needs a file name (?name=).'));
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > maxUpload) return sendError(res, new ContractError('invalid_input', `File too large to upload (limit ${maxUpload} bytes).`));
    const dest = uniquePath(path.join(runIntake, rel));
    mkdirSync(path.dirname(dest), { recursive: true });
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxUpload) req.destroy(new Error('upload too large'));
    });
    await pipeline(req, createWriteStream(dest));
    sendJson(res, 200, { path: dest });
  }

  function download(res: ServerResponse, url: URL): void {
    const name = path.basename(decodeURIComponent(url.pathname.slice(BRIDGE_ROUTES.download.length)));
    const file = path.join(opts.exportsDir, name);
    if (!name || !existsSync(file)) return sendError(res, new ContractError('not_found', `No exported file named ${name}.`));
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Disposition': `attachment; filename="${name.replace(/"/g, '')}"`,
      'Content-Length': statSync(file).size,
    });
    createReadStream(file).pipe(res);
  }

  function serveStatic(res: ServerResponse, url: URL): void {
    const root = path.resolve(opts.staticDir);
    const rel = decodeURIComponent(url.pathname) === '/' ? 'index.html' : decodeURIComponent(url.pathname).slice(1);
    const file = path.resolve(root, rel);
    if (!file.startsWith(root + path.sep) || !existsSync(file) || !statSync(file).isFile()) {
      if (!existsSync(path.join(root, 'index.html'))) {
        res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8' }).end('The dashboard is not built yet: run "npm run build".');
        return;
      }
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    res.writeHead(200, {
      'Content-Type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'Cache-Control': file.endsWith('.html') ? 'no-store' : 'max-age=3600',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
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
