/**
 * Results over MAX_INLINE_RESULT_BYTES do not travel as Redis values: the
 * worker writes the outcome as a file in the job's spool folder (when it
 * sees the owner's spool, a shared or mapped path) or uploads it to the
 * owner's endpoint (PUT /results/<job id>/<attempt token>), and sends only a
 * reference. The owner reads the file from its own spool folder (a path it
 * builds itself from the job id and the token), validates it like any
 * outcome, and removes it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import path from 'node:path';
import { ExtractionError, type WorkerOutcome } from '../../../shared/extraction.js';
import { seesSpool } from './spool-marker.js';

/** An upload larger than this is refused (a result, not a file). */
export const MAX_RESULT_UPLOAD_BYTES = 512 * 1024 * 1024;

/** The start of a handed-over outcome's file name: a name only the owner builds (file-endpoint.ts refuses it from workers). */
export const RESULT_FILE_PREFIX = 'remote-result-';
export const resultFileName = (token: string) => `${RESULT_FILE_PREFIX}${token}.json`;

/** A token as the owner issues them (randomUUID): nothing else names a file. */
export const TOKEN_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface Handover {
  jobId: string;
  token: string;
  /** The job's spool folder as this worker sees it. */
  localSpoolDir: string;
  filesUrl?: string;
  fileToken?: string;
  /** The owner's spool marker (spool-marker.ts). */
  spoolMarker?: string;
}

/** Worker side: puts the outcome where the owner will read it. */
export async function handOver(json: string, h: Handover): Promise<void> {
  if (await seesSpool(h.localSpoolDir, h.spoolMarker)) {
    await mkdir(h.localSpoolDir, { recursive: true });
    await writeFile(path.join(h.localSpoolDir, resultFileName(h.token)), json, { flag: 'w' });
    return;
  }
  if (!h.filesUrl) {
    throw new ExtractionError('too_large', 'The result is over 1 MB and this worker can neither see the owner’s spool folder nor reach its file endpoint.');
  }
  await upload(json, h);
}

function upload(json: string, h: Handover): Promise<void> {
  const url = new URL(`results/${encodeURIComponent(h.jobId)}/${encodeURIComponent(h.token)}`, h.filesUrl!.endsWith('/') ? h.filesUrl : `${h.filesUrl}/`);
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const body = Buffer.from(json);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'PUT',
        headers: {
          'content-type': 'application/json',
          'content-length': body.length,
          ...(h.fileToken ? { authorization: `Bearer ${h.fileToken}` } : {}),
        },
      },
      (res) => {
        res.resume();
        if (res.statusCode === 204) resolve();
        else reject(new ExtractionError('internal', `The owner refused the result (HTTP ${res.statusCode}).`));
      },
    );
    req.on('error', (e) => reject(new ExtractionError('internal', `The result could not be handed to the owner: ${e.message}`)));
    req.end(body);
  });
}

/** Owner side: the handed-over outcome of `token`, read and removed (validation is the caller's). */
export async function takeOver(spoolDir: string, token: string): Promise<unknown> {
  if (!TOKEN_PATTERN.test(token)) throw new ExtractionError('internal', 'A worker named a result with a malformed token.');
  const file = path.join(spoolDir, resultFileName(token));
  try {
    return JSON.parse(await readFile(file, 'utf8')) as unknown;
  } catch (e) {
    throw new ExtractionError('internal', `The worker's result could not be read: ${(e as Error).message}`);
  } finally {
    await rm(file, { force: true });
  }
}

/** `again`: a file of a group whose result could not go by file; the owner sends it again alone (it then fits inline, or fails as too_large). */
export type InlineOrSpooled = WorkerOutcome | { ok: true; spooled: true; bytes: number } | { ok: false; again: true };
