/**
 * The Markdown export: a folder `quarry-results-md/` (or `-2`, `-3`… when
 * one is already there: an export never overwrites an earlier one) holding
 * one `.md` per file and an `index.md` that links them, in the order of the
 * export. The browser cannot download a folder, so it gets the `combined`
 * layout: one `quarry-results.md` with a section per file.
 *
 * Each file's page: its name as the heading, what it is (path, format,
 * status, size, the container it came out of), its error when it failed,
 * its metadata, then its Markdown (a spooled full text streamed from its
 * file). File names are safe on every system and unique in the folder
 * (case-insensitively): a clash gets the job's short id.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Job } from '../../shared/job.js';
import { metadataEntries } from '../../shared/metadata-text.js';
import { resolveInside } from './contain.js';
import { openWriter } from './export-writer.js';
import { fullTextChunks, openFullText, type Write } from './full-text.js';
import type { ExportRow } from './store/export-query.js';
import type { StoredResult } from './store/job-store.js';

export type MarkdownLayout = 'folder' | 'combined';

const FOLDER = 'quarry-results-md';
const INDEX = 'index.md';
// Windows' reserved device names, whatever the extension.
const RESERVED = /^(con|prn|aux|nul|com\d|lpt\d|index)$/i;

export async function exportMarkdown(rows: Iterable<ExportRow>, outDir: string, layout: MarkdownLayout) {
  return layout === 'combined' ? combined(rows, outDir) : folder(rows, outDir);
}

async function folder(rows: Iterable<ExportRow>, outDir: string) {
  const dir = await freshFolder(outDir);
  const index = openWriter(path.join(dir, INDEX));
  await index.write(`# Quarry export\n\nExported ${new Date().toISOString()}.\n\n`);
  const names = new Set<string>();
  const byId = new Map<string, string>();
  let jobs = 0;
  let bytes = 0;
  for (const { job, result } of rows) {
    const name = uniqueName(job, names);
    byId.set(job.id, name);
    const out = openWriter(path.join(dir, name));
    await writeDocument(job, result, 1, out.write, byId);
    bytes += await out.close();
    await index.write(`- [${inline(job.fileName ?? job.shortId)}](${encodeURI(name)}) · ${job.format ?? 'unknown'} · ${job.status}\n`);
    jobs++;
  }
  if (!jobs) await index.write('Nothing matched.\n');
  bytes += await index.close();
  return { file: path.join(dir, INDEX), format: 'md' as const, jobs, bytes };
}

async function combined(rows: Iterable<ExportRow>, outDir: string) {
  const target = await resolveInside(outDir, 'quarry-results.md', 'write');
  if (!target.ok) throw new Error(`Cannot write quarry-results.md in ${outDir}: something that is not a file has that name.`);
  const out = openWriter(target.path);
  await out.write(`# Quarry export\n\nExported ${new Date().toISOString()}. One section per file.\n`);
  let jobs = 0;
  for (const { job, result } of rows) {
    await out.write('\n---\n\n');
    await writeDocument(job, result, 2, out.write, new Map());
    jobs++;
  }
  return { file: target.path, format: 'md' as const, jobs, bytes: await out.close() };
}

/** A folder that did not exist: the export's own, never mixed with an earlier one. */
async function freshFolder(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  for (let n = 1; ; n++) {
    const name = n === 1 ? FOLDER : `${FOLDER}-${n}`;
    const target = await resolveInside(outDir, name, 'write');
    if (!target.ok) continue; // a folder (or a link) of that name: try the next
    try {
      await mkdir(target.path);
      return target.path;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** A file name safe on every system, unique in `taken` (compared case-insensitively), ending in .md. */
export function uniqueName(job: Job, taken: Set<string>): string {
  const base =
    (job.fileName ?? '')
      .normalize('NFC')
      .replace(/[\p{Cc}\p{Cf}<>:"/\\|?*\u2028\u2029]+/gu, '_')
      .replace(/^[\s.]+|[\s.]+$/g, '')
      .slice(0, 100) || 'file';
  let name = RESERVED.test(base.replace(/\..*$/, '')) ? `${base}-${job.shortId}` : base;
  if (taken.has(`${name}.md`.toLowerCase())) name = `${base}-${job.shortId}`;
  taken.add(`${name}.md`.toLowerCase());
  return `${name}.md`;
}

/** Text on one line of Markdown: no line breaks, brackets and emphasis escaped. */
function inline(s: string): string {
  return s.replace(/[\r\n\u2028\u2029]+/g, ' ').replace(/([\\`*_[\]<>#|])/g, '\\$1');
}

async function writeDocument(job: Job, result: StoredResult | undefined, level: number, write: Write, names: ReadonlyMap<string, string>) {
  const h = '#'.repeat(level);
  await write(`${h} ${inline(job.fileName ?? job.shortId)}\n\n`);
  const facts: string[] = [
    `- Path: ${inline(job.sourcePath ?? '')}`,
    `- Format: ${job.format ?? 'unknown'} · Status: ${job.status}${job.sizeBytes !== null ? ` · ${job.sizeBytes.toLocaleString('en')} bytes` : ''}`,
    `- Job: ${job.id}`,
  ];
  if (job.kind === 'batch') facts.push(`- A container of ${job.total} file${job.total === 1 ? '' : 's'}, exported with their own records`);
  if (job.source === 'archive' && job.parentId) {
    const parent = names.get(job.parentId);
    facts.push(`- Inside: ${parent ? `[${inline(parent)}](${encodeURI(parent)})` : job.parentId}`);
  }
  if (job.errorCode) facts.push(`- Error: ${job.errorCode} (${job.errorCategory ?? ''}): ${inline(job.errorMessage ?? '')}`);
  await write(facts.join('\n') + '\n\n');
  if (!result) return;
  // Values as text (GPS as "lat, lon", records as "key: value"); empty ones ("", "()", []) left out.
  const meta = metadataEntries(result.document.metadata);
  if (meta.length) {
    await write(`${h}# Metadata\n\n`);
    for (const [k, v] of meta) await write(`- ${inline(k)}: ${inline(v)}\n`);
    await write('\n');
  }
  if (result.document.warnings.length) await write(`${h}# Warnings\n\n${result.document.warnings.map((w) => `- ${inline(w)}`).join('\n')}\n\n`);
  await write(`${h}# Content\n\n`);
  await writeBody(job, result, write);
  await write('\n');
}

/** The Markdown (or the text, when there is none); a spooled full text streamed from its file. */
async function writeBody(job: Job, result: StoredResult, write: Write) {
  const full = result.document.fullText;
  if (full?.markdownIsText) {
    const source = await openFullText(full, job.id);
    if (source.ok) {
      try {
        for await (const chunk of fullTextChunks(source.file)) await write(chunk);
        return;
      } finally {
        await source.file.close();
      }
    }
    await write(`> ${inline(source.note)}\n\n`);
  }
  const body = result.markdown || result.text;
  await write(body.endsWith('\n') ? body : body + '\n');
}
