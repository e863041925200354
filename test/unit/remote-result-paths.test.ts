// A remote worker's result may name only the job's own file or files inside
// the job's spool folder on the owner (real folders, a real link pointing out).
import { mkdirSync, symlinkSync, writeFileSync, realpathSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { containResultPaths } from '../../main/core/remote/result-paths.js';
import type { ExtractionResult } from '../../shared/extraction.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('quarry-result-paths-');
const spoolDir = path.join(root, 'spool', 'job-1');
mkdirSync(path.join(spoolDir, 'entries'), { recursive: true });
writeFileSync(path.join(spoolDir, 'entries', 'a.txt'), 'a');
writeFileSync(path.join(spoolDir, 'full-text.txt'), 'text');
const secret = path.join(root, 'secret.key');
writeFileSync(secret, 'do not serve');
symlinkSync(secret, path.join(spoolDir, 'entries', 'link.txt'));
const source = path.join(root, 'docs', 'archive.zip');
const task = { path: source, spoolDir };

const result = (children: string[], fullText?: string): ExtractionResult =>
  ({
    text: '',
    markdown: '',
    metadata: fullText ? { fullText: { path: fullText, bytes: 4, chars: 4, lines: 1, previewChars: 4, markdownIsText: true } } : {},
    children: children.map((p) => ({ path: p, name: path.basename(p), size: 1 })),
  }) as unknown as ExtractionResult;

describe('containResultPaths', () => {
  it("keeps the job's spool files (by their real path) and its own source file", async () => {
    const out = await containResultPaths(result([path.join(spoolDir, 'entries', 'a.txt'), source], path.join(spoolDir, 'full-text.txt')), task);
    expect(out.children!.map((c) => c.path)).toEqual([realpathSync(path.join(spoolDir, 'entries', 'a.txt')), source]);
    expect((out.metadata.fullText as { path: string }).path).toBe(realpathSync(path.join(spoolDir, 'full-text.txt')));
  });

  it('refuses a child or a full text anywhere else: another file, a way up, a link pointing out', async () => {
    for (const bad of [secret, path.join(spoolDir, '..', '..', 'secret.key'), path.join(spoolDir, 'entries', 'link.txt'), '/etc/passwd']) {
      await expect(containResultPaths(result([bad]), task)).rejects.toMatchObject({
        code: 'internal',
        message: expect.stringMatching(/outside this job's spool folder/),
      });
    }
    await expect(containResultPaths(result([], secret), task)).rejects.toMatchObject({ code: 'internal' });
  });
});
