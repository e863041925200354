/**
 * `npm run serve`: the dashboard in a browser, through the local bridge.
 * Prints the URL to open (it carries this run's secret token).
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startBridge } from './bridge.js';
import { appPaths, openEngine, VERSION } from './app-context.js';
import { defaultDataDir } from './core/paths.js';

export async function serve(argv = process.argv.slice(2)): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      data: { type: 'string' },
      db: { type: 'string' },
      concurrency: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(
      'Usage: quarry-serve [--port N] [--data DIR] [--db FILE] [--concurrency N]\nServes the Quarry dashboard on 127.0.0.1 and prints the URL to open.',
    );
    return;
  }
  const paths = appPaths(path.resolve(values.data ?? defaultDataDir()), values.db && path.resolve(values.db));
  const engine = openEngine(paths, values.concurrency ? Number(values.concurrency) : undefined);
  const bridge = await startBridge({
    engine,
    staticDir: path.join(__dirname, 'renderer'),
    intakeDir: paths.intakeDir,
    exportsDir: paths.exportsDir,
    version: VERSION,
    dbPath: paths.dbPath,
    port: Number(values.port),
  });
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
