/**
 * Finds where JSON text stops being valid. V8's JSON.parse messages only
 * sometimes carry a position ("Unexpected token '}', "..." is not valid
 * JSON" has none), and users need a line and column to fix a file, so on
 * failure we re-scan with this small iterative validator (no recursion, so
 * deeply nested input cannot overflow the stack).
 */

export interface JsonErrorLocation {
  offset: number;
  line: number;
  column: number;
  message: string;
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

const WS = new Set([' ', '\t', '\n', '\r']);

/** Returns the first error, or null when `text` is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | null {
  let i = 0;
  const n = text.length;
  // Stack of open containers: '{' or '['.
  const stack: string[] = [];
  const fail = (message: string, at = i): JsonErrorLocation => ({ offset: at, ...lineColumn(text, at), message });
  const skipWs = () => {
    while (i < n && WS.has(text[i]!)) i++;
  };
  const describe = () => (i >= n ? 'end of input' : `'${text[i]}'`);

  const readString = (): JsonErrorLocation | null => {
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return null;
      }
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('Invalid \\u escape in string');
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else return fail('Invalid escape in string');
        continue;
      }
      if (c < 0x20) return fail('Unescaped control character in string');
      i++;
    }
    return fail('Unterminated string');
  };

  const readScalar = (): JsonErrorLocation | null => {
    const c = text[i];
    if (c === '"') return readString();
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (m && m[0].length > 0 && m[0] !== '-') {
      i += m[0].length;
      return null;
    }
    for (const word of ['true', 'false', 'null']) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return null;
      }
    }
    return fail(`Unexpected ${describe()}, expected a value`);
  };

  // state: 'value' = expecting a value; 'after' = a value just ended.
  let state: 'value' | 'after' = 'value';
  skipWs();
  if (i >= n) return fail('Empty document: expected a JSON value');
  for (;;) {
    skipWs();
    if (state === 'value') {
      const c = text[i];
      if (c === '{') {
        i++;
        skipWs();
        if (text[i] === '}') {
          i++;
          state = 'after';
          continue;
        }
        stack.push('{');
        if (text[i] !== '"') return fail(`Expected a property name in double quotes, found ${describe()}`);
        const err = readString();
        if (err) return err;
        skipWs();
        if (text[i] !== ':') return fail(`Expected ':' after property name, found ${describe()}`);
        i++;
        continue;
      }
      if (c === '[') {
        i++;
        skipWs();
        if (text[i] === ']') {
          i++;
          state = 'after';
          continue;
        }
        stack.push('[');
        continue;
      }
      const err = readScalar();
      if (err) return err;
      state = 'after';
      continue;
    }
    // state === 'after'
    const top = stack[stack.length - 1];
    if (top === undefined) {
      if (i < n) return fail(`Unexpected ${describe()} after the end of the JSON value`);
      return null;
    }
    const close = top === '{' ? '}' : ']';
    if (text[i] === ',') {
      i++;
      skipWs();
      if (top === '{') {
        if (text[i] !== '"') return fail(`Expected a property name in double quotes, found ${describe()}`);
        const err = readString();
        if (err) return err;
        skipWs();
        if (text[i] !== ':') return fail(`Expected ':' after property name, found ${describe()}`);
        i++;
      }
      state = 'value';
      continue;
    }
    if (text[i] === close) {
      i++;
      stack.pop();
      continue;
    }
    return fail(`Expected ',' or '${close}', found ${describe()}`);
  }
}
