/**
 * Images (JPEG, PNG, TIFF, HEIC/HEIF/AVIF, WebP, GIF, BMP): metadata with
 * exifr (EXIF, GPS, XMP, IPTC; camera, dates as ISO 8601, GPS as decimal
 * degrees), pixel dimensions from the container, and OCR text with its
 * confidence (image-ocr.ts: tesseract.js, offline, English by default,
 * after a probe for text; `ocr: false` skips it). An image without
 * recognisable text gets a warning saying so.
 */
import exifr from 'exifr';
import type { Entity } from '../../../shared/extraction';
import { metadataText } from '../../../shared/metadata-text';
import { textStats } from '../../text/stats';
import { markdownTable } from '../common';
import type { Extractor } from '../types';
import { imageDimensions } from './dimensions';
import { imageText } from './image-ocr';

type Groups = Record<string, Record<string, unknown> | undefined>;

/** "2018:07:25 16:34:23" (+ "+02:00") -> "2018-07-25T16:34:23+02:00"; ISO input passes through. */
export function exifDate(value: unknown, offset?: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value !== 'string') return undefined;
  const m = /^(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?(\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(value.trim());
  if (!m) return undefined;
  if (m[1] === '0000') return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  if (!m[4]) return date;
  const tz = m[8] ?? (typeof offset === 'string' && /^[+-]\d{2}:\d{2}$/.test(offset) ? offset : '');
  return `${date}T${m[4]}:${m[5]}:${m[6] ?? '00'}${tz}`;
}

function dms(v: unknown, ref: unknown): number | undefined {
  let deg: number | undefined;
  if (Array.isArray(v) && v.length >= 1 && v.every((x) => typeof x === 'number')) deg = v[0]! + (v[1] ?? 0) / 60 + (v[2] ?? 0) / 3600;
  else if (typeof v === 'number') deg = v;
  if (deg === undefined || !Number.isFinite(deg)) return undefined;
  return typeof ref === 'string' && /^[SW]/i.test(ref) ? -deg : deg;
}

const round = (n: number, digits = 7) => Number(n.toFixed(digits));
/** A tag's text; empty placeholders some XMP writers leave ("()", "[]", "-") are no value (shared/metadata-text.ts). */
const str = (v: unknown): string | undefined => {
  if (typeof v === 'string') return metadataText(v.replace(/\u0000+$/, ''));
  if (typeof v === 'number') return String(v);
  if (v && typeof v === 'object' && 'value' in v && typeof (v as { value: unknown }).value === 'string') return metadataText((v as { value: string }).value);
  return undefined;
};
const list = (v: unknown): string[] | undefined => {
  if (Array.isArray(v)) return v.map(str).filter((x): x is string => !!x);
  const s = str(v);
  return s ? [s] : undefined;
};

/** Flat, JSON-safe view of the tags (binary blobs and byte arrays dropped), for search and display. */
function flatTags(groups: Groups, max = 400): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  let n = 0;
  for (const [group, tags] of Object.entries(groups)) {
    if (!tags || typeof tags !== 'object') continue;
    for (const [k, v] of Object.entries(tags)) {
      if (n >= max) return out;
      let value: string | number | undefined;
      if (typeof v === 'number' && Number.isFinite(v)) value = v;
      else if (typeof v === 'string' && v.length <= 2000 && !/[\u0000-\u0008]/.test(v)) value = metadataText(v);
      else if (Array.isArray(v) && v.length <= 50 && v.every((x) => typeof x === 'number' || typeof x === 'string')) value = metadataText(v);
      if (value === undefined) continue;
      out[`${group}.${k}`] = value;
      n++;
    }
  }
  return out;
}

export const imageExtractor: Extractor = {
  name: 'image',
  version: '1.2.0',
  formats: ['image'],
  async extract(input, ctx) {
    const bytes = await input.read();
    const mime = input.detection.mime;
    const warnings: string[] = [];
    ctx.progress(0, 2);

    let g: Groups = {};
    try {
      g =
        ((await exifr.parse(bytes, {
          tiff: true,
          exif: true,
          gps: true,
          xmp: true,
          iptc: true,
          icc: true,
          ifd1: false,
          interop: false,
          makerNote: false,
          userComment: false,
          mergeOutput: false,
          reviveValues: false,
          translateValues: true,
          sanitize: true,
        })) as Groups | undefined) ?? {};
    } catch (err) {
      warnings.push(`Image metadata could not be read: ${(err as Error).message}`);
    }
    const ifd0 = g.ifd0 ?? {};
    const exif = g.exif ?? {};
    const gps = g.gps ?? {};
    const xmp = { ...(g.xmp ?? {}), ...(g.xap ?? {}) };
    const iptc = g.iptc ?? {};
    const dc = g.dc ?? {};
    const ps = g.photoshop ?? {};
    const ihdr = g.ihdr ?? {};

    const dims = imageDimensions(bytes, mime);
    const width = dims?.width ?? (Number(ifd0.ImageWidth ?? ihdr.ImageWidth ?? exif.ExifImageWidth) || undefined);
    const height = dims?.height ?? (Number(ifd0.ImageHeight ?? ifd0.ImageLength ?? ihdr.ImageHeight ?? exif.ExifImageHeight) || undefined);

    const latitude = typeof gps.latitude === 'number' ? gps.latitude : dms(gps.GPSLatitude, gps.GPSLatitudeRef);
    const longitude = typeof gps.longitude === 'number' ? gps.longitude : dms(gps.GPSLongitude, gps.GPSLongitudeRef);
    const altitude =
      typeof gps.GPSAltitude === 'number'
        ? gps.GPSAltitudeRef === 1 || (gps.GPSAltitudeRef as Record<string, number> | undefined)?.[0] === 1
          ? -gps.GPSAltitude
          : gps.GPSAltitude
        : undefined;

    const metadata: Record<string, unknown> = {
      mime,
      width,
      height,
      make: str(ifd0.Make ?? ihdr.Make),
      model: str(ifd0.Model ?? ihdr.Model),
      lens: str(exif.LensModel ?? (g.aux ?? {}).Lens),
      software: str(ifd0.Software),
      orientation: str(ifd0.Orientation),
      dateTimeOriginal: exifDate(exif.DateTimeOriginal, exif.OffsetTimeOriginal) ?? exifDate(ps.DateCreated) ?? exifDate(xmp.CreateDate),
      createDate: exifDate(exif.CreateDate ?? exif.DateTimeDigitized, exif.OffsetTimeDigitized) ?? exifDate(xmp.CreateDate),
      modifyDate: exifDate(ifd0.ModifyDate, exif.OffsetTime) ?? exifDate(xmp.ModifyDate),
      ...(latitude !== undefined && longitude !== undefined
        ? { gps: { latitude: round(latitude), longitude: round(longitude), ...(altitude !== undefined ? { altitude } : {}) } }
        : {}),
      exposureTime: typeof exif.ExposureTime === 'number' ? exif.ExposureTime : undefined,
      fNumber: typeof exif.FNumber === 'number' ? exif.FNumber : undefined,
      iso: typeof exif.ISO === 'number' ? exif.ISO : undefined,
      focalLength: typeof exif.FocalLength === 'number' ? exif.FocalLength : undefined,
      title: str(dc.title) ?? str(iptc.ObjectName) ?? str(ps.Headline) ?? str(iptc.Headline),
      headline: str(ps.Headline ?? iptc.Headline),
      description: str(dc.description) ?? str(iptc.Caption) ?? str(ifd0.ImageDescription),
      creator: list(dc.creator)?.join(', ') ?? str(iptc.Byline) ?? str(ifd0.Artist),
      copyright: str(dc.rights) ?? str(iptc.CopyrightNotice) ?? str(ifd0.Copyright),
      keywords: list(dc.subject) ?? list(iptc.Keywords),
      iccProfile: str((g.icc ?? {}).ProfileDescription) ?? str(ps.ICCProfile),
      city: str(ps.City ?? iptc.City),
      country: str(ps.Country ?? iptc.Country),
      metadataGroups: Object.keys(g),
      tags: flatTags(g),
    };
    for (const k of Object.keys(metadata)) if (metadata[k] === undefined) delete metadata[k];
    ctx.progress(1, 2);

    const { text, ocr } = await imageText({ bytes, mime, width, height }, input.options, warnings);
    metadata.ocr = ocr;

    const rows: string[][] = [['Property', 'Value']];
    // Values as a person reads them, as the Markdown export writes metadata: GPS as "43.4674, 11.8851", lists joined.
    const show = (k: string, v: unknown) => {
      const text = metadataText(v);
      if (text !== undefined) rows.push([k, text]);
    };
    show('Dimensions', width && height ? `${width} × ${height}` : undefined);
    for (const k of ['make', 'model', 'lens', 'dateTimeOriginal', 'gps', 'title', 'description', 'creator', 'copyright', 'keywords', 'city', 'country'])
      show(k, metadata[k]);
    const markdown = [markdownTable(rows, true), text ? `## Text (OCR, ${String(ocr.confidence)}% confidence)\n\n${text}` : ''].filter(Boolean).join('\n\n');

    const entities: Entity[] = [];
    if (metadata.gps)
      entities.push({
        type: 'location',
        value: `${(metadata.gps as { latitude: number }).latitude}, ${(metadata.gps as { longitude: number }).longitude}`,
        attributes: metadata.gps as Record<string, unknown>,
      });
    for (const k of (metadata.keywords as string[] | undefined) ?? []) entities.push({ type: 'keyword', value: k });
    ctx.progress(2, 2);
    const stats = textStats(text);
    return {
      text,
      markdown,
      metadata,
      entities,
      warnings,
      counters: {
        items: 1,
        words: stats.words,
        chars: stats.chars,
        ...(typeof ocr.confidence === 'number' ? { ocrConfidence: ocr.confidence } : {}),
      },
    };
  },
};
