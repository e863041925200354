/** Images: EXIF from a PNG written here, dimensions, the OCR path (offline), and its warnings. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exifDate } from '../../../workers/extractors/image/image';
import { imageDimensions } from '../../../workers/extractors/image/dimensions';
import { languageDataDir, stopOcr } from '../../../workers/ocr/engine';
import { fixtureDir, makeExif, makePng } from '../../helpers/fixtures';
import { skipWhen } from '../../helpers/skip';
import { extractInChild } from '../../helpers/child-extract';
import { extractOk } from './helpers';

const fx = fixtureDir('quarry-image-');
afterAll(async () => {
  await stopOcr();
  fx.cleanup();
});

describe('images', () => {
  const png = makePng(64, 48, () => 255, makeExif({ make: 'Quarry', model: 'Fixture Cam', dateTime: '2024:01:02 03:04:05' }));

  it('EXIF make/model/date (ISO) and dimensions; a blank image gets a "no text" warning', async () => {
    const r = await extractOk(fx.write('blank.png', png));
    expect(r.format).toBe('image');
    expect(r.metadata).toMatchObject({ mime: 'image/png', width: 64, height: 48, make: 'Quarry', model: 'Fixture Cam', modifyDate: '2024-01-02T03:04:05' });
    expect(r.text).toBe('');
    expect(r.warnings).toContain('No text found in the image (OCR)');
    expect(r.metadata.ocr).toMatchObject({ engine: 'tesseract.js', language: 'eng' });
  }, 60_000);

  it('ocr: false skips OCR', async () => {
    const r = await extractOk(fx.write('skip.png', png), { ocr: false });
    expect(r.metadata.ocr).toEqual({ skipped: 'disabled for this job' });
  });

  it('a broken image still gives its metadata, and OCR failure is a warning', async () => {
    const broken = Buffer.concat([png.subarray(0, png.length - 30)]);
    const r = await extractOk(fx.write('broken.png', broken));
    expect(r.metadata.make).toBe('Quarry');
    expect(r.warnings.length).toBeGreaterThan(0);
  }, 60_000);

  it('OCR runs from shipped files only: language data on disk; a language that is not shipped is a warning', async () => {
    expect(existsSync(path.join(languageDataDir('eng'), 'eng.traineddata.gz'))).toBe(true);
    const r = await extractOk(fx.write('deu.png', png), { ocrLanguage: 'deu' });
    expect(r.warnings.some((w) => /OCR language "deu" is not installed/.test(w))).toBe(true);
    const bad = await extractOk(fx.write('evil.png', png), { ocrLanguage: '../../etc' });
    expect(bad.warnings.some((w) => /not an OCR language code/.test(w))).toBe(true);
  });

  it('EXIF dates become ISO 8601', () => {
    expect(exifDate('2018:07:25 16:34:23')).toBe('2018-07-25T16:34:23');
    expect(exifDate('2018:07:25 16:34:23', '+02:00')).toBe('2018-07-25T16:34:23+02:00');
    expect(exifDate('2007-04-19T11:03:15-06:00')).toBe('2007-04-19T11:03:15-06:00');
    expect(exifDate('0000:00:00 00:00:00')).toBeUndefined();
  });

  it('container dimensions: PNG, GIF, JPEG SOF, HEIF ispe', () => {
    expect(imageDimensions(png, 'image/png')).toEqual({ width: 64, height: 48 });
    const gif = Buffer.from('GIF89a\x0a\x00\x14\x00', 'latin1');
    expect(imageDimensions(gif, 'image/gif')).toEqual({ width: 10, height: 20 });
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0, 0, 0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x02, 0x58, 0x03]);
    expect(imageDimensions(jpeg, 'image/jpeg')).toEqual({ width: 600, height: 300 });
    const ispe = (w: number, h: number) => {
      const b = Buffer.alloc(20);
      b.writeUInt32BE(20, 0);
      b.write('ispe', 4, 'latin1');
      b.writeUInt32BE(w, 12);
      b.writeUInt32BE(h, 16);
      return b;
    };
    const heic = Buffer.concat([Buffer.from('\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic', 'latin1'), ispe(512, 512), ispe(1440, 960)]);
    expect(imageDimensions(heic, 'image/heic')).toEqual({ width: 1440, height: 960 });
  });

  const corpus = path.resolve(import.meta.dirname, '../../../../shared/corpus');
  it(
    "the OCR engine's decoder messages never reach stderr; a damaged image says so in a warning",
    {
      ...skipWhen(
        !existsSync(path.join(corpus, 'image')),
        'decoder messages: the damaged JPEGs come from the shared corpus (../shared/corpus), which is absent here.',
      ),
      timeout: 120_000,
    },
    async () => {
      const jpeg = readFileSync(path.join(corpus, 'image/IMG_20180725_163423-tiny.jpg'));
      const eoi = jpeg.length - 2;
      const dqt = jpeg.indexOf(Buffer.from([0xff, 0xdb]));
      const files = [
        path.join(corpus, 'bad/exif-broken1.jpg'),
        // Five stray bytes before the end marker: libjpeg decodes it, with "Corrupt JPEG data: 5 extraneous bytes before marker 0xd9".
        fx.write('extraneous.jpg', Buffer.concat([jpeg.subarray(0, eoi), Buffer.from([1, 2, 3, 4, 5]), jpeg.subarray(eoi)])),
        // Stray bytes before the quantisation tables: libjpeg and leptonica give up, with five lines of their own.
        fx.write('unreadable.jpg', Buffer.concat([jpeg.subarray(0, dqt), Buffer.from([9, 9, 9]), jpeg.subarray(dqt)])),
      ];
      const runs = await extractInChild(files);
      expect(runs.stderr).not.toMatch(/Corrupt JPEG|JPEG datastream|Error in pix|cannot be read/);
      expect({ status: runs.status, signal: runs.signal }).toEqual({ status: 0, signal: null });
      const [broken, extraneous, unreadable] = runs.outcomes.map((o) => (o.ok ? o.result : undefined));
      expect(broken?.metadata).toMatchObject({ make: 'Canon', model: 'Canon EOS 30D' });
      expect(extraneous?.warnings).toContain('The image data is damaged; the decoder reported: Corrupt JPEG data: 5 extraneous bytes before marker 0xd9');
      expect(unreadable?.warnings[0]).toMatch(
        /^The image data is damaged; the decoder reported: Corrupt JPEG data: \d+ extraneous bytes before marker 0x\w+; .*Error in pixReadStreamJpeg/,
      );
      expect(unreadable?.warnings[1]).toMatch(/^OCR failed: /);
    },
  );
});
