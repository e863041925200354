/** Images: EXIF from a PNG written here, dimensions, the OCR path (offline), and its warnings. */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { exifDate } from '../../../workers/extractors/image/image';
import { imageDimensions } from '../../../workers/extractors/image/dimensions';
import { languageDataDir, stopOcr } from '../../../workers/ocr/engine';
import { decodePng, probeScale, PROBE_SIDE } from '../../../workers/ocr/text-probe';
import { renderText } from '../../helpers/scan-fixtures';
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

  it('Markdown shows metadata as text: GPS as "lat, lon", no JSON; empty XMP values like "()" are dropped', async () => {
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
      '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">' +
      '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">()</rdf:li></rdf:Alt></dc:title>' +
      '<dc:description><rdf:Alt><rdf:li xml:lang="x-default">A hill in Tuscany</rdf:li></rdf:Alt></dc:description>' +
      '<dc:subject><rdf:Bag><rdf:li>hills</rdf:li><rdf:li>()</rdf:li><rdf:li>Tuscany</rdf:li></rdf:Bag></dc:subject>' +
      '</rdf:Description></rdf:RDF></x:xmpmeta>';
    const exif = makeExif({ make: 'Quarry', model: 'Fixture Cam', dateTime: '2024:01:02 03:04:05' }, { latitude: 43.4674, longitude: 11.8851 });
    const r = await extractOk(
      fx.write(
        'gps.png',
        makePng(8, 8, () => 255, exif, xmp),
      ),
      { ocr: false },
    );
    expect(r.metadata.gps).toEqual({ latitude: 43.4674, longitude: 11.8851 });
    expect(r.markdown).toContain('| gps | 43.4674, 11.8851 |');
    expect(r.markdown).toContain('| description | A hill in Tuscany |');
    expect(r.markdown).toContain('| keywords | hills, Tuscany |');
    expect(r.markdown).not.toMatch(/[{}]|\(\)/);
    expect(r.metadata).not.toHaveProperty('title');
    expect(r.metadata.keywords).toEqual(['hills', 'Tuscany']);
    expect(JSON.stringify(r.metadata.tags)).not.toMatch(/\(\)/);
  });

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

  describe('a probe decides whether text is likely before a full OCR pass', () => {
    // A page of text, large enough to be probed on a smaller copy.
    const page = renderText(['PAGE 1 OF THE TEST AND PAGE 2 OF THE TEST', 'WORDS MAKE LIFE BETTER WORDS MAKE LIFE BETTER'], 4);
    const textPng = makePng(page.width, page.height, (x, y) => page.data[y * page.width + x]!);
    // A "photo": smooth shapes and fine texture, no text.
    const photoPng = makePng(1200, 900, (x, y) =>
      Math.round(128 + 60 * Math.sin(x / 37) * Math.cos(y / 23) + 40 * Math.sin((x * y) / 900) + ((x * 7 + y * 13) % 17)),
    );

    it('only images larger than the probe copy are probed; PNG rows are decoded for it', () => {
      expect(page.width).toBeGreaterThan(PROBE_SIDE / 0.8);
      expect(probeScale(page.width, page.height)).toBeCloseTo(PROBE_SIDE / page.width, 5);
      expect(probeScale(640, 480)).toBeUndefined();
      expect(probeScale(12_000, 9_000)).toBeCloseTo(1 / 3, 5); // never shrunk past a third: small text must stay legible
      expect(decodePng(textPng)).toEqual(page);
      expect(decodePng(textPng.subarray(0, 40))).toBeUndefined();
    });

    it('a picture without text is not read whole, and says so; ocr: "always" reads it whole', async () => {
      const file = fx.write('photo.png', photoPng);
      const r = await extractOk(file);
      expect(r.text).toBe('');
      expect(r.metadata.ocr).toMatchObject({ skipped: 'no text likely', probe: { likely: false, width: 640, height: 480, sureWords: 0 } });
      expect(r.warnings).toEqual([
        'OCR skipped: a quick look at a 640×480 copy found no readable word, so the image is probably a photo without text (--ocr always reads it whole)',
      ]);
      const always = await extractOk(file, { ocr: 'always' });
      expect(always.metadata.ocr).not.toHaveProperty('probe');
      expect(always.metadata.ocr).toHaveProperty('confidence');
    }, 120_000);

    it('an image with text passes the probe and gets its text from the full pass', async () => {
      const r = await extractOk(fx.write('text.png', textPng));
      expect(r.metadata.ocr).toMatchObject({ probe: { likely: true }, engine: 'tesseract.js' });
      expect((r.metadata.ocr as { probe: { sureWords: number } }).probe.sureWords).toBeGreaterThanOrEqual(2);
      expect(r.text).toContain('WORDS MAKE LIFE BETTER');
      expect(r.text).toContain('OF THE TEST');
    }, 120_000);
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
    'a JPEG holiday photo is probed (pdf.js decodes the copy) and not read whole',
    {
      ...skipWhen(!existsSync(path.join(corpus, 'image')), 'the holiday photo comes from the shared corpus (../shared/corpus), which is absent here.'),
      timeout: 120_000,
    },
    async () => {
      const photo = path.join(corpus, 'image/IMG_20180725_163423-tiny.jpg');
      const r = await extractOk(photo);
      expect(r.metadata).toMatchObject({
        make: 'Google',
        model: 'Pixel',
        ocr: { skipped: 'no text likely', probe: { likely: false, width: 640, height: 480 } },
      });
      const always = await extractOk(photo, { ocr: 'always' });
      expect(always.metadata.ocr).not.toHaveProperty('skipped');
    },
  );
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
      // Read whole (no probe): what the engine's decoders say about damaged data is the point here.
      const runs = await extractInChild(files, { options: { ocr: 'always' } });
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
