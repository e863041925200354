/**
 * The platform's actions in main, by id (shared/platform.ts `PlatformActions`
 * plus what the handlers need: main/core/handlers.ts `PlatformHost`): each
 * finds its path through open-policy.ts and hands it to the file manager.
 * The file manager is passed in (Electron's shell in electron-platform.ts;
 * a recorder in tests), so the whole path from the channel to the call is
 * tested under plain Node.
 */
import { ContractError } from '../../shared/contract.js';
import type { DesktopPrefs } from '../../shared/platform.js';
import type { Engine } from '../core/engine.js';
import type { PlatformHost } from '../core/handlers.js';
import { prefsOf, type DesktopStateFile } from './desktop-state.js';
import { ExportLedger, sourceFileOf } from './open-policy.js';

/** Electron's shell, as far as Quarry uses it. */
export interface FileManager {
  /** Opens with the associated application; resolves to an error message, '' on success. */
  openPath(path: string): Promise<string>;
  showItemInFolder(path: string): void;
}

export class DesktopActions implements PlatformHost {
  private readonly ledger: ExportLedger;

  constructor(
    private readonly engine: Pick<Engine, 'get'>,
    private readonly files: FileManager,
    exportsDir: string,
    private readonly state: Pick<DesktopStateFile, 'get' | 'update'>,
    /** Told of every preference change (the native theme). */
    private readonly applied: (prefs: DesktopPrefs) => void = () => {},
  ) {
    this.ledger = new ExportLedger(exportsDir);
  }

  async openSource(jobId: string): Promise<void> {
    const file = await sourceFileOf(this.engine.get(jobId));
    const failure = await this.files.openPath(file.path);
    if (failure) throw new ContractError('invalid_state', `The system could not open ${file.name}: ${failure}`);
  }

  async revealSource(jobId: string): Promise<void> {
    this.files.showItemInFolder((await sourceFileOf(this.engine.get(jobId))).path);
  }

  async revealExport(exportId: string): Promise<void> {
    this.files.showItemInFolder(await this.ledger.resolve(exportId));
  }

  recordExport(file: string): string {
    return this.ledger.record(file);
  }

  setPrefs(change: Partial<DesktopPrefs>): DesktopPrefs {
    const prefs = prefsOf(this.state.update(change));
    this.applied(prefs);
    return prefs;
  }
}
