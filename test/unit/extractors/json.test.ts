import { afterAll, describe, expect, it } from 'vitest';
import { locateJsonError } from '../../../workers/text/json-locate';
import { fixtureDir, utf8Bom } from '../../helpers/fixtures';
import { extractErr, extractOk } from './helpers';

const fx = fixtureDir('quarry-json-');
afterAll(() => fx.cleanup());

describe('json extractor', () => {
  it('object: keys in metadata, pretty text, items = keys', async () => {
    const r = await extractOk(fx.write('obj.json', utf8Bom('{"name":"Quarry","tags":["a","b"],"n":1}')));
    expect(r.format).toBe('json');
    expect(r.metadata).toMatchObject({ topLevelType: 'object', keys: ['name', 'tags', 'n'], keyCount: 3 });
    expect(r.text).toBe(JSON.stringify({ name: 'Quarry', tags: ['a', 'b'], n: 1 }, null, 2));
    expect(r.markdown.startsWith('```json\n')).toBe(true);
    expect(r.counters.items).toBe(3);
  });

  it('array: length and element types', async () => {
    const r = await extractOk(fx.write('arr.json', '[{"a":1},{"a":2},3]'));
    expect(r.metadata).toMatchObject({ topLevelType: 'array', length: 3, elementTypes: ['object', 'number'] });
    expect(r.counters.items).toBe(3);
  });

  it('invalid JSON -> corrupt_file with line, column and position', async () => {
    const err = await extractErr(fx.write('bad.json', '{\n  "a": 1,\n  "b": }\n'));
    expect(err.code).toBe('corrupt_file');
    expect(err.message).toMatch(/Invalid JSON at line 3, column 8 \(position 19\)/);
    expect(err.details).toMatchObject({ line: 3, column: 8, offset: 19 });
  });

  it('locator agrees with JSON.parse on valid and invalid input', () => {
    for (const ok of ['0', '"x"', '[]', '{}', '[1,[2,{"a":[null,true,false,-1.5e3]}]]', ' {"\\u00e9":"\\n"} ']) {
      expect(locateJsonError(ok)).toBeNull();
    }
    const cases: Array<[string, number]> = [
      ['[1,2', 4],
      ['{"a":1}x', 7],
      ['{a:1}', 1],
      ['[1,]', 3],
      ['', 0],
      ['"abc', 4],
      ['[01]', 2],
    ];
    for (const [bad, offset] of cases) expect(locateJsonError(bad)?.offset, bad).toBe(offset);
    // Deep nesting must not overflow the stack.
    expect(locateJsonError('['.repeat(200_000) + ']'.repeat(200_000))).toBeNull();
  });
});
