// The engine for CLI commands, apart from cli-kit.ts: `quarry search`'s own
// bundle (main/search-main.ts) uses cli-kit and must not load the engine.
import { Engine } from './core/engine.js';
import { explainStoreFailures } from './cli-kit.js';

/**
 * Opens the engine, not started, for commands that change jobs, watch
 * folders, schedules or definitions: the same operations as the app's (a
 * deleted job's spool folder goes with it). Its extraction host starts only
 * if a file is extracted, which these commands never do.
 */
export function withEngine<T>(db: string, fn: (engine: Engine) => T | Promise<T>): Promise<T> {
  return explainStoreFailures(db, async () => {
    const engine = new Engine({ dbPath: db });
    try {
      return await fn(engine);
    } finally {
      await engine.close();
    }
  });
}
