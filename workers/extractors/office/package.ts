/**
 * Shared bits of the ZIP-based office formats (OOXML and ODF): opening the
 * package with a clean error, the zip-bomb check before a library inflates
 * it, relationship targets, and the document properties.
 */
import path from 'node:path';
import { ExtractionError } from '../../../shared/extraction';
import { Archive, checkExpandedSize } from '../../zip/archive';
import { attr, childrenNamed, findFirst, parseXml, simpleFields } from '../../xml/ordered';
import type { ExtractInput } from '../types';

export async function openPackage(input: ExtractInput, what: string): Promise<{ bytes: Buffer; pkg: Archive }> {
  const bytes = await input.read();
  const pkg = await Archive.open(bytes, { what: `${what} file (a ZIP package)`, maxEntries: 100_000 });
  try {
    checkExpandedSize(pkg, bytes.length, `${what} file`);
    if (pkg.entries.some((e) => e.encrypted)) throw new ExtractionError('encrypted', `The ${what} package has encrypted parts`);
  } catch (err) {
    pkg.close();
    throw err;
  }
  return { bytes, pkg };
}

/** Relationship id -> resolved part name, from a .rels part. */
export async function readRels(pkg: Archive, partName: string): Promise<Map<string, { target: string; type: string }>> {
  const dir = path.posix.dirname(partName);
  const relsName = path.posix.join(dir, '_rels', `${path.posix.basename(partName)}.rels`);
  const xml = await pkg.text(relsName);
  const out = new Map<string, { target: string; type: string }>();
  if (!xml) return out;
  const root = findFirst(parseXml(xml), 'Relationships');
  for (const rel of root ? childrenNamed(root, 'Relationship') : []) {
    const id = attr(rel, 'Id');
    const target = attr(rel, 'Target');
    if (!id || !target || attr(rel, 'TargetMode') === 'External') continue;
    const resolved = target.startsWith('/') ? target.slice(1) : path.posix.normalize(path.posix.join(dir, target));
    out.set(id, { target: resolved, type: (attr(rel, 'Type') ?? '').split('/').pop() ?? '' });
  }
  return out;
}

const CORE_FIELDS: Record<string, string> = {
  title: 'title',
  subject: 'subject',
  creator: 'author',
  keywords: 'keywords',
  description: 'description',
  lastModifiedBy: 'lastModifiedBy',
  revision: 'revision',
  created: 'created',
  modified: 'modified',
  category: 'category',
  language: 'language',
};

/** docProps/core.xml and docProps/app.xml as metadata. */
export async function ooxmlProperties(pkg: Archive, warnings: string[]): Promise<Record<string, unknown>> {
  const meta: Record<string, unknown> = {};
  try {
    const core = await pkg.text('docProps/core.xml', 4 * 1024 * 1024);
    const root = core ? findFirst(parseXml(core), 'coreProperties') : undefined;
    if (root) {
      const fields = simpleFields(root);
      for (const [k, v] of Object.entries(fields)) if (CORE_FIELDS[k]) meta[CORE_FIELDS[k]] = v;
    }
    const app = await pkg.text('docProps/app.xml', 4 * 1024 * 1024);
    const appRoot = app ? findFirst(parseXml(app), 'Properties') : undefined;
    if (appRoot) {
      const fields = simpleFields(appRoot);
      if (fields.Application) meta.application = fields.Application;
      if (fields.AppVersion) meta.appVersion = fields.AppVersion;
      if (fields.Company) meta.company = fields.Company;
      for (const k of ['Pages', 'Words', 'Slides', 'Notes']) {
        const n = Number(fields[k]);
        if (fields[k] && Number.isFinite(n)) meta[`declared${k}`] = n;
      }
    }
  } catch (err) {
    if (err instanceof ExtractionError && err.code === 'resource_limit') throw err;
    warnings.push(`Document properties could not be read: ${(err as Error).message}`);
  }
  return meta;
}
