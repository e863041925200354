/**
 * The export step: writes the result beside the others in a folder, as
 * Markdown, JSON and/or text. Each file is written to a temporary name and
 * renamed, so a folder never holds a half-written file, even on quit.
 * A large text (fullText) is copied from its file, not taken from the preview.
 */
import { copyFile, mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExtractionError, type ExtractionResult } from '../../../shared/extraction.js';
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
      if (!(await copyFullText(result, f, tmp))) {
        const content = f === 'md' ? result.markdown || result.text : f === 'txt' ? result.text : JSON.stringify(result, null, 2);
        await writeFile(tmp, content, { signal: ctx.signal });
      }
      await rename(tmp, file);
    }
    return state;
  };
}

/** Text (or Markdown that is the text) of a large file: copied from the full-text file. False: write from the result. */
async function copyFullText(result: ExtractionResult, f: keyof typeof EXT, tmp: string): Promise<boolean> {
  const full = result.fullText;
  if (!full || f === 'json' || (f === 'md' && !full.markdownIsText)) return false;
  try {
    await copyFile(full.path, tmp);
    return true;
  } catch {
    // The file is gone: the preview is written, and the result's warnings already say it is one.
    return false;
  }
}
