/**
 * The extraction service the engine's steps hold: the local extraction host,
 * or the split pool in front of it when remote workers are on. The settings
 * switch it while Quarry runs; an extraction already under way finishes on
 * the service that took it.
 */
import type { ExtractTask, WorkerOutcome } from '../../../shared/extraction.js';
import type { ExtractionService, RunOptions } from '../pool.js';

export class SwitchPool implements ExtractionService {
  constructor(
    private target: ExtractionService,
    /** The local host: hashes, versions and threads are always its (SplitPool does the same). */
    private readonly local: ExtractionService,
  ) {}

  use(target: ExtractionService): void {
    this.target = target;
  }

  get threads(): number {
    return this.target.threads;
  }

  run(task: ExtractTask, opts?: RunOptions): Promise<WorkerOutcome & { ok: true }> {
    return this.target.run(task, opts);
  }

  hash(file: string, signal?: AbortSignal, alone?: boolean): Promise<string> {
    return this.local.hash(file, signal, alone);
  }

  extractorVersions(): Promise<Record<string, string>> {
    return this.local.extractorVersions();
  }

  resize(threads: number): void {
    this.local.resize(threads);
  }

  close(): Promise<void> {
    return this.local.close();
  }

  destroy(): Promise<void> {
    return this.local.destroy();
  }
}
