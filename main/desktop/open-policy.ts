/**
 * Which files main may open, reveal or serve for the window: only a job's own
 * source file, as the job store recorded it, and an export this app wrote.
 * The window names a job or an export by id; the path always comes from
 * main's records, so a path the page made up (or one smuggled into a job id)
 * opens nothing. Plain functions and a small registry, no Electron: used by
 * Electron main (electron-platform.ts) and by the browser bridge's
 * "download the original" route (main/bridge.ts).
 */
import { randomUUID } from 'node:crypto';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { ContractError } from '../../shared/contract.js';
import type { Job } from '../../shared/job.js';
import { isInside, resolveInside } from '../core/contain.js';

export interface SourceFile {
  /** The real path (links resolved). */
  path: string;
  /** The name the person gave it (what a download is saved as). */
  name: string;
  size: number;
}

type SourceJob = Pick<Job, 'kind' | 'source' | 'sourcePath' | 'fileName'>;

/** The file a job was made from, if it is still there: the one path of a job main opens, reveals or serves. */
export async function sourceFileOf(job: SourceJob): Promise<SourceFile> {
  if (job.kind === 'batch') throw new ContractError('invalid_state', 'A batch is not a file: open one of its files.');
  // Its path is a copy Quarry unpacked into its spool folder, not a file the person gave (nor one to launch from there).
  if (job.source === 'archive') throw new ContractError('invalid_state', 'A file inside an archive has no file of its own: open the archive.');
  const stored = job.sourcePath;
  if (!stored || !path.isAbsolute(stored)) throw new ContractError('not_found', 'This job has no original file on disk.');
  const real = await realpath(stored).catch(() => null);
  if (!real) throw new ContractError('not_found', `The original file is no longer at ${stored}: it was moved or deleted.`);
  const info = await stat(real);
  if (!info.isFile()) throw new ContractError('invalid_state', `${stored} is no longer a file.`);
  return { path: real, name: job.fileName || path.basename(stored), size: info.size };
}

/**
 * The exports this app wrote while it runs, by id: what `platform.revealExport`
 * may show. Bounded (the oldest go first); an id is random, so it cannot be
 * guessed from a path or a counter.
 */
export class ExportLedger {
  private readonly files = new Map<string, string>();

  constructor(
    /** The app's own exports folder: a file there is checked by containment too. */
    private readonly exportsDir: string,
    private readonly max = 100,
  ) {}

  record(file: string): string {
    const id = randomUUID();
    this.files.set(id, path.resolve(file));
    while (this.files.size > this.max) this.files.delete(this.files.keys().next().value!);
    return id;
  }

  /** The export's real path, if this app wrote it and it is still a file. */
  async resolve(id: string): Promise<string> {
    const file = this.files.get(id);
    if (!file) throw new ContractError('not_found', 'Quarry did not write that export (or not since it started).');
    const root = path.resolve(this.exportsDir);
    if (isInside(root, file)) {
      // In the exports folder: contained like every path there (a link swapped in cannot point out).
      const inside = await resolveInside(root, path.relative(root, file), 'read');
      if (inside.ok) return inside.path;
      throw new ContractError('not_found', `The export ${path.basename(file)} is no longer in the exports folder.`);
    }
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) throw new ContractError('not_found', `The export is no longer at ${file}: it was moved or deleted.`);
    return file;
  }
}

/** The name of a file as a Content-Disposition header gives it: an ASCII fallback and the exact name (RFC 6266). */
export function attachmentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_') || 'original';
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}
