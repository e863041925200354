/**
 * The files a remote worker's result names (archive entries and attachments
 * as children, a spooled full text) are read by the owner and served to
 * workers again through the file endpoint. So each must be the job's own
 * file or lie inside the job's spool folder on this machine, whatever the
 * worker says: checked by the one containment helper (contain.ts), and a
 * result naming any other path is refused, never followed. Without this, a
 * worker could name /home/owner/.ssh/id_rsa as an "entry" and fetch it.
 */
import path from 'node:path';
import { ExtractionError, type ExtractionResult } from '../../../shared/extraction.js';
import { resolveInside } from '../contain.js';

export async function containResultPaths(result: ExtractionResult, task: { path: string; spoolDir: string }): Promise<ExtractionResult> {
  const inside = async (p: string): Promise<string> => {
    if (p === task.path) return p;
    const contained = await resolveInside(task.spoolDir, path.relative(task.spoolDir, p), 'read');
    if (contained.ok) return contained.path;
    throw new ExtractionError('internal', `A worker's result names a file outside this job's spool folder (${contained.reason}): refused`, { path: p });
  };
  const fullText = (result.metadata as { fullText?: { path?: unknown } }).fullText;
  const children = result.children && (await Promise.all(result.children.map(async (c) => ({ ...c, path: await inside(c.path) }))));
  const fullTextPath = typeof fullText?.path === 'string' ? await inside(fullText.path) : undefined;
  return {
    ...result,
    ...(children ? { children } : {}),
    ...(fullTextPath ? { metadata: { ...result.metadata, fullText: { ...fullText, path: fullTextPath } } } : {}),
  };
}
