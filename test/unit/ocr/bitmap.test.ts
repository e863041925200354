/** Grey bitmaps for OCR: pdf.js pixel layouts, orientation on the page, shrinking, cropping, PGM. */
import { describe, expect, it } from 'vitest';
import { crop, downscale, encodePgm, greyFromPdfJs, upright, type GreyBitmap } from '../../../workers/ocr/bitmap';
import { orientationOf } from '../../../workers/extractors/pdf/page-images';

const bitmap = (width: number, rows: number[][]): GreyBitmap => ({ width, height: rows.length, data: Uint8Array.from(rows.flat()) });

describe('grey bitmaps', () => {
  it('pdf.js 1-bit rows (a set bit is white, rows padded to a byte), RGB, and RGBA laid on white', () => {
    // 10 pixels wide: two bytes a row; only the first pixel of row 0 and the last of row 1 are black.
    const oneBit = greyFromPdfJs({ width: 10, height: 2, kind: 1, data: Uint8Array.from([0x7f, 0xc0, 0xff, 0x80]) });
    expect(Array.from(oneBit!.data)).toEqual([0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0]);
    const rgb = greyFromPdfJs({ width: 2, height: 1, kind: 2, data: Uint8Array.from([255, 255, 255, 0, 0, 0]) });
    expect(Array.from(rgb!.data)).toEqual([255, 0]);
    const rgba = greyFromPdfJs({ width: 2, height: 1, kind: 3, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 255]) });
    expect(Array.from(rgba!.data)).toEqual([255, 0]); // transparent black is paper, opaque black is ink
    // Too little data for the declared size, or an unknown layout: no bitmap, not a crash.
    expect(greyFromPdfJs({ width: 100, height: 100, kind: 2, data: new Uint8Array(10) })).toBeUndefined();
    expect(greyFromPdfJs({ width: 1, height: 1, kind: 9, data: new Uint8Array(10) })).toBeUndefined();
  });

  it('an image placed sideways or mirrored on the page comes out upright', () => {
    const b = bitmap(3, [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    // Drawn as-is (pdf.js device space, y down: image x along +x, rows along +y).
    expect(orientationOf([30, 0, 0, -20, 0, 20])).toEqual({ transposed: false, flipX: false, flipY: false });
    // Stored turned a quarter clockwise, drawn turned back: the page's reading order.
    const sideways = orientationOf([0, -30, -20, 0, 20, 30]);
    expect(sideways).toEqual({ transposed: true, flipX: false, flipY: true });
    const turned = bitmap(2, [
      [4, 1],
      [5, 2],
      [6, 3],
    ]);
    expect(upright(turned, sideways)).toEqual(b);
    expect(upright(b, { transposed: false, flipX: true, flipY: true }).data).toEqual(Uint8Array.from([6, 5, 4, 3, 2, 1]));
  });

  it('shrinks by averaging, crops within bounds, and writes a PGM', () => {
    const b = bitmap(4, [
      [0, 0, 255, 255],
      [0, 0, 255, 255],
    ]);
    expect(downscale(b, 2)).toEqual(bitmap(2, [[0, 255]]));
    expect(downscale(b, 10)).toBe(b);
    expect(crop(b, 1, 1, 10, 10)).toEqual(bitmap(3, [[0, 255, 255]]));
    const pgm = encodePgm(bitmap(2, [[0, 255]]));
    expect(pgm.toString('latin1', 0, 11)).toBe('P5\n2 1\n255\n');
    expect(Array.from(pgm.subarray(11))).toEqual([0, 255]);
  });
});
