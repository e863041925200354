/**
 * The fuzzer's seeds: the real-world corpus, read in place, grouped by its
 * folders (one folder, one format). The files of bad/ are seeds too: each
 * joins the folder that holds its extension (bad/msg-zeroed-range.msg goes
 * with email/), or stays in "bad" when none does.
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface Seed {
  /** Path relative to the corpus, as MANIFEST.tsv names it. */
  rel: string;
  abs: string;
  bytes: number;
}

/** Folders of the corpus that hold no seeds. */
const NOT_SEEDS = new Set(['LICENSES']);
const BAD = 'bad';

const filesIn = (dir: string) =>
  readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();

/** Everything after the first dot of a name ("txt.gz" for lorem-ipsum.txt.gz), or its last extension. */
const extensionsOf = (name: string) => {
  const parts = name.toLowerCase().split('.').slice(1);
  return [parts.join('.'), parts.at(-1) ?? ''].filter(Boolean);
};

/** Seeds by format, formats in name order, files in name order. */
export function corpusSeeds(corpus: string): Map<string, Seed[]> {
  const folders = readdirSync(corpus, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !NOT_SEEDS.has(e.name))
    .map((e) => e.name)
    .sort();
  const byFormat = new Map<string, Seed[]>();
  const seed = (folder: string, name: string): Seed => {
    const abs = path.join(corpus, folder, name);
    return { rel: `${folder}/${name}`, abs, bytes: statSync(abs).size };
  };
  for (const folder of folders)
    if (folder !== BAD)
      byFormat.set(
        folder,
        filesIn(path.join(corpus, folder)).map((n) => seed(folder, n)),
      );
  if (folders.includes(BAD)) {
    for (const name of filesIn(path.join(corpus, BAD))) {
      const format = formatForExtension(byFormat, name) ?? BAD;
      byFormat.set(format, [...(byFormat.get(format) ?? []), seed(BAD, name)]);
    }
  }
  return new Map([...byFormat].filter(([, seeds]) => seeds.length).sort(([a], [b]) => a.localeCompare(b)));
}

/** The folder named like the extension, else the first folder holding a file with it. */
function formatForExtension(byFormat: Map<string, Seed[]>, name: string): string | undefined {
  for (const ext of extensionsOf(name)) {
    if (byFormat.has(ext)) return ext;
    for (const [format, seeds] of byFormat) if (seeds.some((s) => extensionsOf(path.basename(s.rel)).includes(ext))) return format;
  }
  return undefined;
}
