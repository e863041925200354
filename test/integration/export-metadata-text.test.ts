// The Markdown export shows metadata as text a person reads (issue 15): a
// photo's GPS position as "latitude, longitude", not a JSON object, and
// empty values left out. The built CLI extracts a real photo of the shared
// corpus into a --db and exports it as Markdown.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { skipWhen } from '../helpers/skip.js';
import { tempDir } from '../helpers/tmp.js';

const root = path.resolve(import.meta.dirname, '../..');
const CLI = path.join(root, 'dist/cli.cjs');
const corpus = [path.resolve(root, '../shared/corpus'), path.resolve(root, '../../shared/corpus')].find((d) => existsSync(path.join(d, 'MANIFEST.tsv')));
const PHOTO = corpus && path.join(corpus, 'image/IMG_20180725_163423-tiny.jpg');
const dir = tempDir('quarry-export-meta-');

function quarry(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, QUARRY_HOME: path.join(dir, 'home') } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('metadata in the Markdown export', skipWhen(!corpus, 'the shared corpus (../shared/corpus) is absent: this test uses its real photo'), () => {
  it('GPS as "latitude, longitude", records as key: value, no JSON and no empty values', () => {
    const db = path.join(dir, 'jobs.db');
    const out = path.join(dir, 'md');
    expect(quarry('extract', PHOTO!, '--db', db, '--out', path.join(dir, 'json'), '--ocr', 'off').code).toBe(0);
    expect(quarry('export', '--db', db, '--out', out, '--format', 'md').code).toBe(0);
    const md = readFileSync(path.join(out, 'quarry-results-md', 'IMG_20180725_163423-tiny.jpg.md'), 'utf8');
    const metadata = md.split('## Metadata')[1]!.split('\n## ')[0]!;
    expect(metadata).toMatch(/^- gps: 50\.29\d*, 14\.82\d* \(altitude 252 m\)$/m);
    expect(metadata).not.toMatch(/[{}]|"\w+":/);
    expect(metadata).not.toMatch(/: (\(\)|\[\])?$/m);
  });
});
