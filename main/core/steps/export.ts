/**
 * The export step: writes the result beside the others in a folder, as
 * Markdown, JSON and/or text. Each file is written to a temporary name and
 * renamed, so a folder never holds a half-written file, even on quit.
 * A large text (fullText) is streamed from its file, not taken from the preview.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import path from 'node:path';
import { ExtractionError, type ExtractionResult } from '../../../shared/extraction.js';
import { fullTextChunks, openFullText, writeJsonWithFullText } from '../full-text.js';
import type { StepExecutor } from './types.js';

const EXT = { md: 'md', json: 'json', txt: 'txt' } as const;

export function exportStep(defaultDir: string): StepExecutor {
  return async (state, step, ctx) => {
    const result = state.result;
    if (!result) throw new Error('export needs a result: put an extract step before it');
    const dir = typeof step.options.dir === 'string' ? step.options.dir : defaultDir;
    if (!path.isAbsolute(dir)) throw new ExtractionError('invalid_definition', `The export folder must be an absolute path (got "${dir}").`);
    const formats = (Array.isArray(step.options.formats) ? step.options.formats : ['md', 'json']) as Array<keyof typeof EXT>;
    await mkdir(dir, { recursive: true });
    // The job's short id keeps files of same-named sources apart.
    const base = `${(ctx.job.fileName ?? 'result').replace(/[\\/:*?"<>|]/g, '_')}.${ctx.job.shortId}`;
    for (const f of formats) {
      if (!(f in EXT)) throw new ExtractionError('invalid_definition', `Unknown export format "${f}" (use md, json or txt).`);
      const file = path.join(dir, `${base}.${EXT[f]}`);
      const tmp = `${file}.${process.pid}.tmp`;
      if (!(await writeFullText(result, f, tmp, ctx.job.id, ctx.signal))) {
        const content = f === 'md' ? result.markdown || result.text : f === 'txt' ? result.text : JSON.stringify(result, null, 2);
        await writeFile(tmp, content, { signal: ctx.signal });
      }
      await rename(tmp, file);
    }
    return state;
  };
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
