/**
 * The chunks export: `quarry-results.chunks.jsonl`, one line per chunk of
 * each exported document (shared/chunks.ts), for the tools that index
 * documents for search or question answering: the chunk's text, its source
 * file (job id, name, path, format), its page range, the headings it sits
 * under, and its character offsets in the document's page text or Markdown.
 * Files without a result (failed ones, containers) have no chunks. A
 * spooled full text (a large file) is chunked from its stored preview, and
 * its chunks say so (`preview: true`).
 */
import { CHUNK_DEFAULTS, chunkDocument, type ChunkOptions } from '../../shared/chunks.js';
import { resolveInside } from './contain.js';
import { InvalidInputError } from './errors.js';
import { openWriter } from './export-writer.js';
import type { ExportRow } from './store/export-query.js';

export { CHUNK_DEFAULTS };

export async function exportChunks(rows: Iterable<ExportRow>, outDir: string, opts: Partial<ChunkOptions> = {}) {
  const options = { ...CHUNK_DEFAULTS, ...opts };
  if (!(options.size > 0) || !(options.overlap >= 0) || options.overlap >= options.size) {
    throw new InvalidInputError(`Chunk size must be positive and the overlap smaller than it (size ${options.size}, overlap ${options.overlap})`);
  }
  const target = await resolveInside(outDir, 'quarry-results.chunks.jsonl', 'write');
  if (!target.ok) throw new Error(`Cannot write quarry-results.chunks.jsonl in ${outDir}: something that is not a file has that name.`);
  const { write, close } = openWriter(target.path);
  let jobs = 0;
  let chunks = 0;
  for (const { job, result } of rows) {
    jobs++;
    if (!result) continue;
    const preview = !!result.document.fullText;
    for (const c of chunkDocument({ markdown: result.markdown, pages: result.document.pages }, options)) {
      chunks++;
      const record = {
        id: `${job.id}:${c.index}`,
        jobId: job.id,
        fileName: job.fileName,
        sourcePath: job.sourcePath,
        format: job.format,
        chunk: c.index,
        pages: c.pages ?? null,
        headingPath: c.headingPath,
        offsets: { source: c.source, start: c.start, end: c.end },
        ...(preview ? { preview: true } : {}),
        text: c.text,
      };
      await write(JSON.stringify(record) + '\n');
    }
  }
  return { file: target.path, format: 'chunks' as const, jobs, chunks, bytes: await close() };
}
