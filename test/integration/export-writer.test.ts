// The exports' one file writer (main/core/export-writer.ts): a real file,
// written faster than the disk takes it, so that it waits for 'drain' often.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWriter } from '../../main/core/export-writer.js';
import { tempDir } from '../helpers/tmp.js';

const dir = tempDir();
const warnings: Error[] = [];
const onWarning = (w: Error) => warnings.push(w);
afterEach(() => {
  process.off('warning', onWarning);
  warnings.length = 0;
});

describe('the export writer', () => {
  it('waits for the disk through hundreds of drains without piling up listeners (no leak warning)', async () => {
    process.on('warning', onWarning);
    const file = path.join(dir, 'big.jsonl');
    const w = openWriter(file);
    const chunk = 'a'.repeat(64 * 1024);
    for (let i = 0; i < 200; i++) await w.write(chunk);
    expect(await w.close()).toBe(200 * chunk.length);
    expect(readFileSync(file).length).toBe(200 * chunk.length);
    // Warnings are emitted on a later tick.
    await new Promise((r) => setTimeout(r, 50));
    expect(warnings.map((w) => w.name)).toEqual([]);
  });

  it('throws the disk’s error from the write or the close, not lost', async () => {
    const w = openWriter(path.join(dir, 'no-such-folder', 'x.jsonl'));
    await expect(
      (async () => {
        for (let i = 0; i < 10; i++) await w.write('b'.repeat(64 * 1024));
        await w.close();
      })(),
    ).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
