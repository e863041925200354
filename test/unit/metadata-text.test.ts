import { describe, expect, it } from 'vitest';
import { metadataEntries, metadataText } from '../../shared/metadata-text';

describe('metadata values as text', () => {
  it('GPS as "latitude, longitude", lists with commas, records as key: value, booleans as yes/no', () => {
    expect(metadataText({ latitude: 43.4674, longitude: 11.8851 })).toBe('43.4674, 11.8851');
    expect(metadataText({ latitude: 43.4674, longitude: 11.8851, altitude: 310 })).toBe('43.4674, 11.8851 (altitude 310 m)');
    expect(metadataText(['holiday', 'Tuscany'])).toBe('holiday, Tuscany');
    expect(metadataText({ print: true, copy: false })).toBe('print: yes; copy: no');
    expect(metadataText({ engine: 'tesseract', languages: ['eng', 'deu'], confidence: 87 })).toBe('engine: tesseract; languages: eng, deu; confidence: 87');
  });

  it('drops empty values: "", "()", "[]", "-", empty lists and records, nulls', () => {
    for (const v of ['', '  ', '()', '[]', ' - ', '{}', [], ['()', ''], {}, { a: '()' }, null, undefined, Number.NaN])
      expect(metadataText(v), JSON.stringify(v)).toBeUndefined();
    expect(metadataText('(c) Quarry')).toBe('(c) Quarry');
  });

  it('keeps the entries worth showing, in order', () => {
    expect(metadataEntries({ title: 'Report', subject: '()', gps: { latitude: 1.5, longitude: -2 }, keywords: [] })).toEqual([
      ['title', 'Report'],
      ['gps', '1.5, -2'],
    ]);
  });
});
