/**
 * `npm run serve`: the dashboard in a browser, through the local bridge.
 * Prints the URL to open (it carries the secret token). The token and the
 * port are kept in the data folder (bridge-identity.ts), so a restart does
 * not strand a tab that is already open.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mkdirSync } from 'node:fs';
import { startBridge, type Bridge, type BridgeOptions } from './bridge.js';
import { loadIdentity, saveIdentity } from './bridge-identity.js';
import { appPaths, openEngine, VERSION } from './app-context.js';
import { defaultDataDir } from './core/paths.js';

export async function serve(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string' },
      data: { type: 'string' },
      db: { type: 'string' },
      concurrency: { type: 'string' },
      redis: { type: 'string' },
      'local-threads': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'Usage: quarry-serve [--port N] [--data DIR] [--db FILE] [--concurrency N] [--redis URL [--local-threads N]]\nServes the Quarry dashboard on 127.0.0.1 and prints the URL to open.\nWithout --port, the port of the last run is reused when free (an open tab reconnects).\n--redis (or QUARRY_REDIS): remote workers (quarry worker) extract too; QUARRY_WORKER_TOKEN turns on the file endpoint for them.',
    );
    return;
  }
  const paths = appPaths(path.resolve(values.data ?? defaultDataDir()), values.db && path.resolve(values.db));
  const redis = values.redis ?? process.env.QUARRY_REDIS;
  const token = process.env.QUARRY_WORKER_TOKEN;
  const remote = redis
    ? { redis, ...(values['local-threads'] !== undefined ? { localThreads: Number(values['local-threads']) } : {}), ...(token ? { files: { token } } : {}) }
    : undefined;
  const engine = openEngine(paths, values.concurrency ? Number(values.concurrency) : undefined, undefined, remote);
  mkdirSync(paths.dataDir, { recursive: true });
  const identity = loadIdentity(paths.dataDir);
  const options: BridgeOptions = {
    engine,
    staticDir: path.join(__dirname, 'renderer'),
    intakeDir: paths.intakeDir,
    exportsDir: paths.exportsDir,
    version: VERSION,
    dbPath: paths.dbPath,
    token: identity.token,
    port: values.port !== undefined ? Number(values.port) : identity.port,
  };
  const bridge = await startOnPort(options, values.port === undefined);
  saveIdentity(paths.dataDir, { token: bridge.token, port: bridge.port });
  console.log(`Quarry dashboard: ${bridge.url}`);
  console.log(`Data: ${paths.dataDir} (Ctrl-C to stop)`);
  const stop = async () => {
    // Running jobs go back to pending, not counted as attempts: the next start runs them.
    await bridge.close();
    await engine.close({ abort: true });
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Listens on the asked port; the remembered one (`fallback`) gives way to any free port when taken. */
async function startOnPort(options: BridgeOptions, fallback: boolean): Promise<Bridge> {
  try {
    return await startBridge(options);
  } catch (err) {
    if (!fallback || !options.port || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    console.log(`Port ${options.port} (last run's) is taken; using another one.`);
    return startBridge({ ...options, port: 0 });
  }
}
