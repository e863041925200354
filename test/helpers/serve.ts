// A real `quarry serve` (dist/serve.cjs) in a child process, on 127.0.0.1
// with its own token, and raw HTTP requests to it: whatever the bridge does
// wrong shows as a status, a body, or a dead process.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '../..');

export interface Served {
  child: ChildProcess;
  origin: string;
  port: number;
  token: string;
  /** Everything serve printed, stdout and stderr. */
  output(): string;
  stop(): Promise<void>;
}

/** `port`: a number is passed as --port; 'remembered' passes none (serve reuses its last port when free). */
export async function startServe(dataDir: string, env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000, port: number | 'remembered' = 0): Promise<Served> {
  const portArgs = port === 'remembered' ? [] : ['--port', String(port)];
  const child = spawn(process.execPath, [path.join(root, 'dist/serve.cjs'), '--data', dataDir, ...portArgs], {
    env: { ...process.env, QUARRY_HOME: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  const url = await new Promise<URL>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), timeoutMs);
    const check = () => {
      const m = output.match(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/);
      if (m && /Data: /.test(output)) {
        clearTimeout(timer);
        resolve(new URL(m[0]));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => reject(new Error(`serve exited (${code}) before it started:\n${output}`)));
  });
  return {
    child,
    origin: url.origin,
    port: Number(url.port),
    token: url.searchParams.get('token')!,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the token as a Bearer header (default true). */
  auth?: boolean;
}

/** One raw request: the path is sent exactly as given (no normalisation, no re-encoding). */
export function request(s: Served, p: string, opts: RequestOptions = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...(opts.auth === false ? {} : { authorization: `Bearer ${s.token}` }), ...opts.headers };
    const req = http.request({ host: '127.0.0.1', port: s.port, path: p, method: opts.method ?? 'GET', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export function invoke(s: Served, channel: string, input: unknown, headers: Record<string, string> = {}): Promise<Reply> {
  return request(s, `/api/invoke/${channel}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
}
