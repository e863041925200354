/**
 * The export step: writes the result beside the others in a folder, as
 * Markdown, JSON and/or text. Each file is written to a temporary name and
 * renamed, so a folder never holds a half-written file, even on quit.
 * A large text (fullText) is streamed from its file, not taken from the preview.
 *
 * File names come from the source's name, untrusted: sanitised and capped by
 * the spool's rules (shared/names.ts) and placed by resolveInside, so a name
 * never fails an extraction that succeeded. A folder the step cannot write
 * fails with a typed, permanent error, not `internal`.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { ExtractionError, type ErrorCode, type ExtractionResult } from '../../../shared/extraction.js';
import { sanitizeComponent } from '../../../shared/names.js';
import { resolveInside } from '../contain.js';
import { fullTextChunks, openFullText, writeJsonWithFullText } from '../full-text.js';
import type { StepExecutor } from './types.js';

const EXT = { md: 'md', json: 'json', txt: 'txt' } as const;

/** What the file system says about the export folder, as a typed error; anything else is left as it is. */
const FS_CODES: Record<string, ErrorCode> = {
  EACCES: 'permission_denied',
  EPERM: 'permission_denied',
  EROFS: 'permission_denied',
  ENAMETOOLONG: 'invalid_definition',
  ENOTDIR: 'invalid_definition',
};

function typedFsError(err: unknown, dir: string): unknown {
  const code = FS_CODES[(err as NodeJS.ErrnoException)?.code ?? ''];
  return code ? new ExtractionError(code, `Cannot write to the export folder "${dir}": ${(err as Error).message}`) : err;
}

/** `<source name>.<job short id>`: the short id keeps files of same-named sources apart. */
function exportBaseName(fileName: string | null | undefined, shortId: string): string {
  return `${sanitizeComponent(fileName ?? '') || 'result'}.${shortId}`;
}

export function exportStep(defaultDir: string): StepExecutor {
  return async (state, step, ctx) => {
    const result = state.result;
    if (!result) throw new ExtractionError('invalid_definition', 'export needs a result: put an extract step before it');
    const dir = typeof step.options.dir === 'string' ? step.options.dir : defaultDir;
    if (!path.isAbsolute(dir)) throw new ExtractionError('invalid_definition', `The export folder must be an absolute path (got "${dir}").`);
    const formats = (Array.isArray(step.options.formats) ? step.options.formats : ['md', 'json']) as Array<keyof typeof EXT>;
    const unknown = formats.find((f) => !(f in EXT));
    if (unknown) throw new ExtractionError('invalid_definition', `Unknown export format "${unknown}" (use md, json or txt).`);
    const base = exportBaseName(ctx.job.fileName, ctx.job.shortId);
    try {
      for (const f of formats) await writeOne(result, f, dir, `${base}.${EXT[f]}`, ctx.job.id, ctx.signal);
    } catch (err) {
      throw typedFsError(err, dir);
    }
    return state;
  };
}

async function writeOne(result: ExtractionResult, f: keyof typeof EXT, dir: string, name: string, jobId: string, signal: AbortSignal): Promise<void> {
  const target = await resolveInside(dir, name, 'write');
  if (!target.ok) throw new ExtractionError('not_a_file', `The export folder "${dir}" already holds "${name}", which is not a file; it was left alone.`);
  const file = target.path;
  const tmp = `${file}.${process.pid}.tmp`;
  if (!(await writeFullText(result, f, tmp, jobId, signal))) {
    const content = f === 'md' ? result.markdown || result.text : f === 'txt' ? result.text : JSON.stringify(result, null, 2);
    await writeFile(tmp, content, { signal });
  }
  await rename(tmp, file);
}

/**
 * A large file's export, with its full text streamed from the full-text file
 * (text; Markdown when it is the text; JSON with the text in place of the
 * preview). False when there is none, or it cannot be used: the result is
 * written as it is, and its warnings already say the text is a preview.
 */
async function writeFullText(result: ExtractionResult, f: keyof typeof EXT, tmp: string, jobId: string, signal: AbortSignal): Promise<boolean> {
  const full = result.fullText;
  if (!full || (f === 'md' && !full.markdownIsText)) return false;
  const source = await openFullText(full, jobId);
  if (!source.ok) return false;
  const out = createWriteStream(tmp);
  const write = async (chunk: string) => {
    signal.throwIfAborted();
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    if (f === 'json') {
      const marker = `quarry-full-text-${randomUUID()}`;
      const value = { ...result, text: marker, ...(full.markdownIsText ? { markdown: marker } : {}) };
      await writeJsonWithFullText(value, marker, source.file, write, 2);
    } else {
      for await (const chunk of fullTextChunks(source.file)) await write(chunk);
    }
    out.end();
    await finished(out);
    return true;
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  } finally {
    await source.file.close();
  }
}
