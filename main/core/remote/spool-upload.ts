/**
 * A job's spool folder for a worker that cannot see the owner's (no shared
 * or mapped path): the extraction writes into a private temporary folder,
 * and what it wrote there (an archive's entries, an e-mail's attachments, a
 * large text's full text) is uploaded to the owner's endpoint afterwards,
 * file by file (PUT /spool/<job id>/<attempt token>/<relative path>), before
 * the outcome is sent. The owner writes each under the job's own spool
 * folder, contained (file-endpoint.ts); the paths in the result are then the
 * owner's. A worker that can see the spool writes there directly, as before.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ExtractionError, type ExtractionResult } from '../../../shared/extraction.js';
import { seesSpool } from './spool-marker.js';

export interface WorkerSpool {
  /** Where the extraction writes. */
  dir: string;
  /** A private folder: its files must be uploaded (uploadSpool) and its paths moved to the owner's (toOwnerSpool). */
  private: boolean;
  dispose(): Promise<void>;
}

/** The owner's spool folder as this worker sees it (`localDir`), or a private one when this worker does not see the owner's (spool-marker.ts). */
export async function workerSpool(localDir: string, marker?: string): Promise<WorkerSpool> {
  if (await seesSpool(localDir, marker)) return { dir: localDir, private: false, dispose: async () => undefined };
  const dir = await mkdtemp(path.join(tmpdir(), 'quarry-worker-spool-'));
  return { dir, private: true, dispose: () => rm(dir, { recursive: true, force: true }) };
}

export interface SpoolUpload {
  jobId: string;
  token: string;
  filesUrl?: string;
  fileToken?: string;
  signal?: AbortSignal;
}

/** Every file under `dir` to the owner, one request each (entries are few and each already on disk). */
export async function uploadSpool(dir: string, u: SpoolUpload): Promise<number> {
  const files = await listFiles(dir);
  if (!files.length) return 0;
  if (!u.filesUrl) {
    throw new ExtractionError(
      'internal',
      'This worker can neither see the owner’s spool folder nor reach its file endpoint, so the files this extraction wrote (archive entries, attachments) cannot reach the owner. Share or --map the spool folder, or give the owner a worker token.',
    );
  }
  for (const rel of files) await put(path.join(dir, rel), rel, u);
  return files.length;
}

/** The result's paths inside the private folder, as the owner will find them in its own spool folder. */
export function toOwnerSpool(result: ExtractionResult, privateDir: string, ownerSpoolDir: string): ExtractionResult {
  const move = (p: string) => {
    const rel = path.relative(privateDir, p);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? path.join(ownerSpoolDir, rel) : p;
  };
  const fullText = (result.metadata as { fullText?: { path?: string } }).fullText;
  return {
    ...result,
    ...(result.children ? { children: result.children.map((c) => ({ ...c, path: move(c.path) })) } : {}),
    ...(fullText?.path ? { metadata: { ...result.metadata, fullText: { ...fullText, path: move(fullText.path) } } } : {}),
  };
}

async function listFiles(root: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(path.join(root, rel), { withFileTypes: true })) {
    const child = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...(await listFiles(root, child)));
    else if (d.isFile()) out.push(child);
  }
  return out;
}

async function put(file: string, rel: string, u: SpoolUpload): Promise<void> {
  const base = u.filesUrl!.endsWith('/') ? u.filesUrl! : `${u.filesUrl}/`;
  const url = new URL(`spool/${encodeURIComponent(u.jobId)}/${encodeURIComponent(u.token)}/${rel.split('/').map(encodeURIComponent).join('/')}`, base);
  const { size } = await stat(file);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  await new Promise<void>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        headers: {
          'content-type': 'application/octet-stream',
          'content-length': size,
          ...(u.fileToken ? { authorization: `Bearer ${u.fileToken}` } : {}),
        },
        ...(u.signal ? { signal: u.signal } : {}),
      },
      (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else reject(new ExtractionError(res.statusCode === 401 ? 'permission_denied' : 'internal', `The owner refused ${rel} (HTTP ${res.statusCode}).`));
      },
    );
    req.on('error', (e) => reject(new ExtractionError('internal', `${rel} could not be handed to the owner: ${e.message}`)));
    pipeline(createReadStream(file), req).catch(reject);
  });
}
