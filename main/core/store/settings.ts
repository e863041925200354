/**
 * Settings: the few values the engine and the CLI keep in the database beside
 * the jobs (`queue.paused`, `retention.days`, `remote`: remote/remote-setting.ts), as JSON by key. In the store,
 * so that another process (`quarry pause`) changes what a running engine reads.
 */
import type { Statements } from './statements.js';

export type SettingKey = 'queue.paused' | 'retention.days' | 'remote';

export class Settings {
  constructor(private readonly sql: Pick<Statements, 'setting' | 'setSetting'>) {}

  get(key: SettingKey): unknown {
    const value = this.sql.setting.get(key) as string | undefined;
    return value === undefined ? undefined : JSON.parse(value);
  }

  set(key: SettingKey, value: unknown): void {
    this.sql.setSetting.run(key, JSON.stringify(value));
  }
}
