/**
 * DXF (ASCII): our own group-code scanner, one pass over (code, value)
 * line pairs, so every entity type is counted (libraries drop the types
 * they do not model: HATCH, MULTILEADER, 3DSOLID...). It reads:
 * - HEADER: $ACADVER (with the AutoCAD release), $INSUNITS, $DWGCODEPAGE,
 *   extents;
 * - TABLES: layer names (and their on/off, frozen state);
 * - BLOCKS: block names (anonymous *-blocks counted apart);
 * - ENTITIES: a count per type of every top-level record (VERTEX and SEQEND
 *   belong to their POLYLINE and are not counted), and the text of TEXT,
 *   MTEXT, ATTRIB, ATTDEF, DIMENSION overrides and MULTILEADER content, as
 *   entities (with layer) and as text.
 * A file cut short (no EOF marker, an unclosed section) gives what was read
 * plus a warning. The loop always advances two lines, so nothing can hang.
 */
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import iconv from 'iconv-lite';
import { ExtractionError, type Entity } from '../../../shared/extraction';
import { markdownTable } from '../common';
import type { Extractor } from '../types';

const ACAD_RELEASES: Record<string, string> = {
  AC1006: 'R10',
  AC1009: 'R11/R12',
  AC1012: 'R13',
  AC1014: 'R14',
  AC1015: 'AutoCAD 2000',
  AC1018: 'AutoCAD 2004',
  AC1021: 'AutoCAD 2007',
  AC1024: 'AutoCAD 2010',
  AC1027: 'AutoCAD 2013',
  AC1032: 'AutoCAD 2018',
};

export const INSUNITS: Record<number, string> = {
  0: 'unitless',
  1: 'inches',
  2: 'feet',
  3: 'miles',
  4: 'millimeters',
  5: 'centimeters',
  6: 'meters',
  7: 'kilometers',
  8: 'microinches',
  9: 'mils',
  10: 'yards',
  11: 'angstroms',
  12: 'nanometers',
  13: 'microns',
  14: 'decimeters',
  15: 'decameters',
  16: 'hectometers',
  17: 'gigameters',
  18: 'astronomical units',
  19: 'light years',
  20: 'parsecs',
  21: 'US survey feet',
  22: 'US survey inches',
  23: 'US survey yards',
  24: 'US survey miles',
};

/** Types that hang off the record before them and are not top-level entities. */
const SUBRECORDS = new Set(['VERTEX', 'SEQEND']);
const TEXT_TYPES = new Set(['TEXT', 'MTEXT', 'ATTRIB', 'ATTDEF', 'DIMENSION', 'MULTILEADER', 'MLEADER', 'TOLERANCE', 'RTEXT', 'ARCALIGNEDTEXT']);

/** MTEXT inline formatting -> plain text (\P paragraphs, {\f...;} fonts, \S stacks, %%d symbols...). */
export function mtextToPlain(s: string): string {
  return s
    .replace(/\\P/g, '\n')
    .replace(/\\~/g, '\u00a0')
    .replace(/\\S([^;^/#]*)[\^/#]([^;]*);/g, '$1/$2')
    .replace(/\\[ACcFfHhQTtWp][^;\\{}]*;/g, '')
    .replace(/\\[LlOoKkNX]/g, '')
    .replace(/\\U\+([0-9A-Fa-f]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\([\\{}])/g, '$1')
    .replace(/[{}]/g, '')
    .replace(/%%[dD]/g, '°')
    .replace(/%%[pP]/g, '±')
    .replace(/%%[cC]/g, 'Ø')
    .replace(/%%%/g, '%')
    .replace(/%%[uUoOkK]/g, '')
    .trim();
}

/** Lines of a stream in the given encoding, a chunk's worth at a time ("\r\n", "\n" and "\r" all end a line; a BOM is dropped). */
export async function* readLines(stream: Readable, encoding: string, onBytes: (n: number) => void): AsyncGenerator<string[]> {
  const decoder = iconv.getDecoder(encoding, { stripBOM: true });
  let rest = '';
  let bytes = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    onBytes(bytes);
    let text = rest + decoder.write(chunk);
    // A "\r" at the end may be the first half of "\r\n": wait for the next chunk.
    const keepCr = text.endsWith('\r');
    if (keepCr) text = text.slice(0, -1);
    const parts = text.split(/\r\n|\r|\n/);
    rest = parts.pop()! + (keepCr ? '\r' : '');
    if (parts.length) yield parts;
  }
  rest += decoder.end() ?? '';
  if (rest.endsWith('\r')) rest = rest.slice(0, -1);
  if (rest) yield [rest];
}

interface Record_ {
  type: string;
  layer?: string;
  /** code 1 / 3 / 304 / 2 values, in order. */
  parts: Array<[number, string]>;
}

function recordText(r: Record_): { text: string; tag?: string } | null {
  const get = (code: number) => r.parts.filter(([c]) => c === code).map(([, v]) => v);
  switch (r.type) {
    case 'TEXT':
    case 'RTEXT':
    case 'ARCALIGNEDTEXT': {
      const t = get(1).join('');
      return t ? { text: mtextToPlain(t) } : null;
    }
    case 'MTEXT': {
      const t = [...get(3), ...get(1)].join('');
      return t ? { text: mtextToPlain(t) } : null;
    }
    case 'ATTRIB':
    case 'ATTDEF': {
      const t = get(1).join('');
      return t ? { text: mtextToPlain(t), tag: get(2)[0] } : null;
    }
    case 'DIMENSION': {
      // Code 1 is the user's text override; "<>" stands for the measured value, "" means measured only.
      const t = get(1).join('');
      return t && t !== '<>' ? { text: mtextToPlain(t.replace(/<>/g, '')) || t } : null;
    }
    case 'TOLERANCE': {
      const t = get(1).join('');
      return t ? { text: mtextToPlain(t) } : null;
    }
    case 'MULTILEADER':
    case 'MLEADER': {
      // Code 304 also carries structure markers ("LEADER_LINE{"); the first other 304 is the MText content.
      const t = get(304).find((x) => !/^[A-Z_]+\{$/.test(x.trim()));
      return t ? { text: mtextToPlain(t) } : null;
    }
    default:
      return null;
  }
}

export const dxfExtractor: Extractor = {
  name: 'dxf',
  version: '1.0.0',
  formats: ['dxf'],
  async extract(input, ctx) {
    // The head decides the encoding; the whole file is then streamed line by line
    // (a 1 GB drawing must not become one string and an array of 25 million lines).
    const fh = await open(input.path, 'r');
    let headBytes: Buffer;
    try {
      headBytes = Buffer.alloc(Math.min(input.size, 64 * 1024));
      await fh.read(headBytes, 0, headBytes.length, 0);
    } finally {
      await fh.close();
    }
    if (headBytes.subarray(0, 18).toString('latin1') === 'AutoCAD Binary DXF') {
      throw new ExtractionError('unsupported_format', 'Binary DXF is not supported; save the drawing as ASCII DXF');
    }
    // DXF R2007+ is UTF-8; older files use $DWGCODEPAGE (ANSI_1252 nearly always).
    const head = headBytes.toString('latin1');
    const codepage = /\$DWGCODEPAGE\s*\r?\n\s*3\s*\r?\n\s*(\S+)/.exec(head)?.[1];
    const version = /\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*(\S+)/.exec(head)?.[1];
    const modern = version ? version >= 'AC1021' : true;
    const cp = codepage?.toUpperCase().match(/^ANSI_(\d+)$/)?.[1];
    const requested = input.options.encoding ?? (modern ? 'utf-8' : cp ? `windows-${cp}` : 'windows-1252');
    const encoding = iconv.encodingExists(requested) ? requested : 'utf-8';
    let bytesRead = 0;
    const lineIterator = readLines(input.stream(), encoding, (n) => {
      bytesRead = n;
    })[Symbol.asyncIterator]();
    let batch: string[] = [];
    let at = 0;
    const nextLine = async (): Promise<string | undefined> => {
      while (at >= batch.length) {
        const r = await lineIterator.next();
        if (r.done) return undefined;
        batch = r.value;
        at = 0;
      }
      return batch[at++];
    };
    const warnings: string[] = [];

    const header: Record<string, string | number> = {};
    const layers: Array<{ name: string; off?: boolean; frozen?: boolean }> = [];
    const blocks: string[] = [];
    let anonymousBlocks = 0;
    const counts = new Map<string, number>();
    const subCounts = new Map<string, number>();
    const entities: Entity[] = [];
    const texts: string[] = [];
    const sections: string[] = [];

    let section: string | null = null;
    let table: string | null = null;
    let current: Record_ | null = null;
    let currentVar: string | null = null;
    let layerEntry: { name: string; off?: boolean; frozen?: boolean } | null = null;
    let blockEntry: string | null = null;
    let sawEof = false;
    let pendingSection = false;
    let entityTotal = 0;
    const total = input.size;

    const finishRecord = () => {
      if (!current) return;
      if (section === 'ENTITIES') {
        const t = recordText(current);
        if (t && t.text && entities.length < 100_000) {
          entities.push({
            type: current.type,
            value: t.text,
            attributes: { ...(current.layer ? { layer: current.layer } : {}), ...(t.tag ? { tag: t.tag } : {}) },
          });
          texts.push(t.tag ? `${t.tag}: ${t.text}` : t.text);
        }
      }
      current = null;
    };
    const finishLayer = () => {
      if (layerEntry?.name) layers.push(layerEntry);
      layerEntry = null;
    };
    const finishBlock = () => {
      if (blockEntry !== null) {
        if (blockEntry.startsWith('*')) anonymousBlocks++;
        else blocks.push(blockEntry);
      }
      blockEntry = null;
    };

    for (let i = 0; ; i += 2) {
      if ((i & 0xffff) === 0) ctx.progress(bytesRead, total);
      // Lines already decoded are taken without an await (a microtask per line costs seconds on big drawings).
      const codeLine = at < batch.length ? batch[at++] : await nextLine();
      if (codeLine === undefined) break;
      const value = at < batch.length ? batch[at++] : await nextLine();
      const codeStr = codeLine.trim();
      const code = Number(codeStr);
      if (!/^-?\d+$/.test(codeStr)) {
        if (codeStr === '' && value === undefined) break; // a final blank line
        warnings.push(`Line ${i + 1}: expected a group code, found ${JSON.stringify(codeStr.slice(0, 40))}; the rest of the file was not read`);
        break;
      }
      if (value === undefined) break; // a group code without its value at the very end
      const v = value.trim();

      if (code === 0) {
        finishRecord();
        if (section === 'TABLES') finishLayer();
        if (v === 'SECTION') {
          section = null;
          pendingSection = true;
          continue;
        }
        if (v === 'ENDSEC') {
          finishBlock();
          section = null;
          table = null;
          continue;
        }
        if (v === 'EOF') {
          sawEof = true;
          break;
        }
        if (section === 'TABLES') {
          if (v === 'TABLE') table = null;
          else if (v === 'ENDTAB') table = null;
          else if (table === 'LAYER' && v === 'LAYER') layerEntry = { name: '' };
          continue;
        }
        if (section === 'BLOCKS') {
          if (v === 'BLOCK') {
            finishBlock();
            blockEntry = '';
          } else if (v === 'ENDBLK') finishBlock();
          continue;
        }
        if (section === 'ENTITIES') {
          if (!SUBRECORDS.has(v)) {
            counts.set(v, (counts.get(v) ?? 0) + 1);
            entityTotal++;
          } else subCounts.set(v, (subCounts.get(v) ?? 0) + 1);
          current = { type: v, parts: [] };
          continue;
        }
        continue;
      }

      if (pendingSection) {
        pendingSection = false;
        if (code !== 2) continue;
        section = v;
        sections.push(v);
        continue;
      }
      switch (section) {
        case 'HEADER':
          if (code === 9) currentVar = v;
          else if (currentVar) {
            if (currentVar === '$EXTMIN' || currentVar === '$EXTMAX') {
              if (code === 10 || code === 20 || code === 30) header[`${currentVar}.${code === 10 ? 'x' : code === 20 ? 'y' : 'z'}`] = Number(v);
            } else if (!(currentVar in header)) header[currentVar] = code >= 60 && code <= 99 ? Number(v) : v;
          }
          break;
        case 'TABLES':
          if (code === 2 && !table && !layerEntry) table = v;
          else if (layerEntry) {
            if (code === 2) layerEntry.name = value.trim();
            else if (code === 62 && Number(v) < 0) layerEntry.off = true;
            else if (code === 70 && Number(v) & 1) layerEntry.frozen = true;
          }
          break;
        case 'BLOCKS':
          if (blockEntry === '' && code === 2) blockEntry = value.trim();
          break;
        case 'ENTITIES':
          if (current) {
            if (code === 8 && current.layer === undefined) current.layer = v;
            else if (TEXT_TYPES.has(current.type) && (code === 1 || code === 3 || code === 304 || code === 2) && current.parts.length < 10_000)
              current.parts.push([code, value]);
          }
          break;
      }
    }
    // Stop reading (closes the file) when the loop ended before the stream did.
    await lineIterator.return?.(undefined);
    finishRecord();
    finishLayer();
    finishBlock();

    if (!sawEof) {
      warnings.push(
        section
          ? `The DXF file is truncated: it ends inside the ${section} section without an EOF marker; counts cover what was read`
          : 'The DXF file has no EOF marker (truncated?); counts cover what was read',
      );
    }
    if (!sections.length && entityTotal === 0) throw new ExtractionError('corrupt_file', 'Not a DXF drawing: no SECTION found');

    const acadver = typeof header.$ACADVER === 'string' ? header.$ACADVER : undefined;
    const insunits = typeof header.$INSUNITS === 'number' ? header.$INSUNITS : undefined;
    const entityCounts = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));
    const metadata: Record<string, unknown> = {
      ...(acadver ? { acadVersion: acadver, release: ACAD_RELEASES[acadver] ?? 'unknown' } : {}),
      ...(insunits !== undefined ? { insUnits: insunits, units: INSUNITS[insunits] ?? 'unknown' } : {}),
      ...(typeof header.$DWGCODEPAGE === 'string' ? { codepage: header.$DWGCODEPAGE } : {}),
      ...(header['$EXTMIN.x'] !== undefined
        ? {
            extents: {
              min: [header['$EXTMIN.x'], header['$EXTMIN.y'], header['$EXTMIN.z']],
              max: [header['$EXTMAX.x'], header['$EXTMAX.y'], header['$EXTMAX.z']],
            },
          }
        : {}),
      sections,
      hasEntitiesSection: sections.includes('ENTITIES'),
      entityCount: entityTotal,
      entityCounts,
      ...(subCounts.size ? { subrecordCounts: Object.fromEntries(subCounts) } : {}),
      layers: layers.map((l) => l.name),
      ...(layers.some((l) => l.off || l.frozen) ? { hiddenLayers: layers.filter((l) => l.off || l.frozen).map((l) => l.name) } : {}),
      blocks: blocks.slice(0, 1000),
      anonymousBlocks,
      textEntities: entities.length,
    };
    if (!sections.includes('ENTITIES')) warnings.push('The drawing has no ENTITIES section (only definitions)');
    else if (entityTotal === 0) warnings.push('The ENTITIES section is empty');
    if (!texts.length && sections.includes('ENTITIES') && entityTotal > 0) warnings.push('No text entities (TEXT, MTEXT, ATTRIB...) in the drawing');

    const countRows = [['Entity type', 'Count'], ...Object.entries(entityCounts).map(([t, n]) => [t, String(n)])];
    const md = [
      `# DXF drawing${acadver ? ` (${acadver}${ACAD_RELEASES[acadver] ? `, ${ACAD_RELEASES[acadver]}` : ''})` : ''}`,
      metadata.units ? `Units: ${metadata.units}` : '',
      layers.length ? `Layers (${layers.length}): ${layers.map((l) => l.name).join(', ')}` : '',
      blocks.length ? `Blocks (${blocks.length}): ${blocks.slice(0, 100).join(', ')}` : '',
      entityTotal ? `## Entities (${entityTotal})\n\n${markdownTable(countRows, true)}` : '',
      texts.length ? `## Text\n\n${texts.join('\n\n')}` : '',
    ].filter(Boolean);
    ctx.progress(total, total);
    return {
      text: texts.join('\n'),
      markdown: md.join('\n\n'),
      metadata,
      tables: entityTotal ? [{ name: 'entity counts', rows: countRows, hasHeader: true }] : [],
      entities,
      warnings,
      counters: { items: entityTotal, entities: entityTotal, layers: layers.length, blocks: blocks.length, texts: texts.length },
    };
  },
};
