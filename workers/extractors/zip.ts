/**
 * ZIP archives: the entry list is the result (text, a table, metadata),
 * and every entry's bytes are checked (inflated, sizes enforced, CRC-32
 * compared). With a spoolDir the entries are written there under sanitised
 * unique names and returned as `children` (main makes each a child job,
 * one level deeper: options.depth + 1).
 *
 * Zip-bomb limits (all overridable per job): entry count, declared and real
 * size per entry and in total, expansion ratio per entry, and nesting depth
 * (an archive at depth >= maxDepth is listed, not unpacked). The archive is
 * read from disk on demand (yauzl over the file), never loaded whole.
 */
import { rm } from 'node:fs/promises';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ExtractionError, type Table } from '../../shared/extraction';
import { Spool } from '../spool';
import { Archive, crc32, zipError, type ArchiveEntry } from '../zip/archive';
// (archive-limits imports ZIP_LIMITS from here: read at call time, the cycle is harmless.)
import { archiveLimits, human } from './archive-limits';
import { markdownTable, WarningList } from './common';
import type { Extractor } from './types';

export const ZIP_LIMITS = {
  maxEntries: 10_000,
  maxEntryBytes: 1024 ** 3,
  maxTotalBytes: 4 * 1024 ** 3,
  /** Expanded / compressed, for entries over 1 MiB expanded. Real files rarely pass 100. */
  maxRatio: 200,
  maxDepth: 3,
};

const RATIO_FLOOR = 1024 * 1024;

/** Counts bytes, enforces the limits and computes the CRC while an entry streams through. */
function guard(entry: ArchiveEntry, limit: number, totals: { bytes: number; limit: number }, maxRatio: number) {
  let crc = 0;
  let bytes = 0;
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      totals.bytes += chunk.length;
      if (bytes > limit) return cb(new ExtractionError('resource_limit', `"${entry.name}" expands past the ${limit}-byte limit for one entry`));
      if (totals.bytes > totals.limit) return cb(new ExtractionError('resource_limit', `The archive expands past the ${totals.limit}-byte limit in total`));
      if (bytes > RATIO_FLOOR && bytes / Math.max(1, entry.compressedSize) > maxRatio) {
        return cb(new ExtractionError('resource_limit', `"${entry.name}" expands more than ${maxRatio}× (a zip bomb?)`));
      }
      crc = crc32(chunk, crc);
      cb(null, chunk);
    },
  });
  return {
    stream: t,
    check(): void {
      if (crc !== entry.crc32) throw new ExtractionError('corrupt_file', `"${entry.name}" fails its CRC-32 check`);
    },
  };
}

export const zipExtractor: Extractor = {
  name: 'zip',
  version: '1.1.0',
  formats: ['zip'],
  async extract(input, ctx) {
    const o = input.options;
    const { maxEntries, maxEntryBytes, maxTotalBytes, maxRatio, maxDepth } = archiveLimits(o);

    const archive = await Archive.open(input.path, { maxEntries });
    const warnings = new WarningList(200);
    try {
      if (archive.note) warnings.add(archive.note);
      if (archive.truncatedListing) warnings.add(`The archive has ${archive.entryCount} entries; only the first ${maxEntries} are read (limit)`);
      const files = archive.entries.filter((e) => !e.directory);
      const encrypted = files.filter((e) => e.encrypted);
      if (files.length > 0 && encrypted.length === files.length) {
        throw new ExtractionError(
          'encrypted',
          `The ZIP archive is password-protected (${files.length === 1 ? `its entry "${files[0]!.name}" is` : `all ${files.length} entries are`} encrypted)`,
          {
            entries: files.slice(0, 20).map((e) => e.name),
          },
        );
      }
      const tooDeep = o.depth >= maxDepth;
      if (tooDeep) warnings.add(`Archive nested ${o.depth} levels deep: entries listed, not unpacked (limit ${maxDepth})`);
      const spool = input.spoolDir && !tooDeep ? new Spool(input.spoolDir) : null;

      const declaredTotal = files.reduce((s, e) => s + e.size, 0);
      const totals = { bytes: 0, limit: maxTotalBytes };
      const status = new Map<ArchiveEntry, string>();
      let ok = 0;
      let failed = 0;
      let lastError: ExtractionError | null = null;
      for (let i = 0; i < files.length; i++) {
        const e = files[i]!;
        ctx.progress(i, files.length);
        if (e.encrypted) {
          warnings.add(`Skipped "${e.name}": encrypted`);
          status.set(e, 'encrypted');
          continue;
        }
        if (e.symlink) {
          warnings.add(`Skipped "${e.name}": a symbolic link (links are never unpacked)`);
          status.set(e, 'symlink');
          continue;
        }
        if (e.compressedSize > input.size) {
          const x = new ExtractionError(
            'corrupt_file',
            `"${e.name}" declares ${e.compressedSize} compressed bytes, more than the whole ${input.size}-byte archive (truncated or damaged)`,
          );
          lastError = x;
          failed++;
          warnings.add(`Entry ${x.message}`);
          status.set(e, 'corrupt');
          continue;
        }
        if (e.size > maxEntryBytes) {
          warnings.add(`Skipped "${e.name}": declares ${human(e.size)}, over the ${human(maxEntryBytes)} limit for one entry`);
          status.set(e, 'too large');
          continue;
        }
        if (e.size > RATIO_FLOOR && e.size / Math.max(1, e.compressedSize) > maxRatio) {
          warnings.add(`Skipped "${e.name}": would expand ${Math.round(e.size / Math.max(1, e.compressedSize))}× (over the ${maxRatio}× limit; a zip bomb?)`);
          status.set(e, 'ratio');
          continue;
        }
        if (totals.bytes + e.size > maxTotalBytes) {
          warnings.add(`Skipped "${e.name}" and the rest: the archive expands past the ${human(maxTotalBytes)} limit in total`);
          for (const rest of files.slice(i)) status.set(rest, 'total limit');
          break;
        }
        try {
          const g = guard(e, maxEntryBytes, totals, maxRatio);
          if (spool) {
            const child = await spool.write(e.name, async () => [await archive.stream(e), g.stream], { fallback: `entry-${i + 1}` });
            try {
              g.check();
            } catch (err) {
              spool.children.pop();
              await rm(child.path, { force: true });
              throw err;
            }
          } else {
            await pipeline(await archive.stream(e), g.stream, new Writable({ write: (_c, _e, cb) => cb() }));
            g.check();
          }
          ok++;
          status.set(e, 'ok');
        } catch (err) {
          const x = err instanceof ExtractionError ? err : zipError(err);
          lastError = x;
          failed++;
          status.set(e, x.code === 'resource_limit' ? 'limit' : 'corrupt');
          warnings.add(`Entry "${e.name}" could not be read: ${x.message}`);
          if ((x.code === 'corrupt_file' || x.code === 'unsupported_format') && !x.message.includes(e.name))
            lastError = new ExtractionError(x.code, `"${e.name}": ${x.message}`, x.details);
          if (x.code === 'resource_limit' && totals.bytes > maxTotalBytes) break;
        }
      }
      ctx.progress(files.length, files.length);
      if (failed > 0 && ok === 0 && lastError && (lastError.code === 'corrupt_file' || lastError.code === 'unsupported_format')) {
        throw new ExtractionError(
          lastError.code,
          failed === 1 ? lastError.message : `The ZIP archive cannot be unpacked: none of its ${failed} entries can be read (${lastError.message})`,
          lastError.details,
        );
      }

      const rows = [['Name', 'Size', 'Compressed', 'Modified', 'Status']];
      for (const e of archive.entries) {
        rows.push([
          e.name,
          e.directory ? '' : String(e.size),
          e.directory ? '' : String(e.compressedSize),
          e.modified ?? '',
          e.directory ? 'folder' : (status.get(e) ?? ''),
        ]);
      }
      const table: Table = { name: 'entries', rows, hasHeader: true };
      const text = archive.entries.map((e) => (e.directory ? e.name : `${e.name}\t${human(e.size)}`)).join('\n');
      const markdown = `ZIP archive, ${files.length} file${files.length === 1 ? '' : 's'} (${human(declaredTotal)} expanded)\n\n${markdownTable(rows, true)}`;
      if (!files.length) warnings.add('The archive has no files');
      return {
        text,
        markdown,
        metadata: {
          entries: archive.entries.length,
          files: files.length,
          folders: archive.entries.length - files.length,
          expandedBytes: declaredTotal,
          ...(archive.comment ? { comment: archive.comment } : {}),
          ...(encrypted.length ? { encryptedEntries: encrypted.map((e) => e.name).slice(0, 100) } : {}),
          unpacked: !!spool,
          depth: o.depth,
          ...(spool ? {} : { entryNames: files.map((e) => e.name).slice(0, 1000) }),
        },
        tables: [table],
        warnings: warnings.toArray(),
        children: spool ? spool.children : undefined,
        counters: { items: files.length, entries: archive.entries.length, files: files.length, verified: ok, failed, extracted: spool?.children.length ?? 0 },
      };
    } finally {
      archive.close();
    }
  },
};
