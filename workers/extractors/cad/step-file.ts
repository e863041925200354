/**
 * ISO 10303-21 ("STEP physical file", also IFC) read as a stream of
 * statements: strings ('it''s', with ';' inside), comments and line breaks
 * inside records are handled, so `#12=IFCWALL(...);` spanning lines is one
 * statement. Nothing is kept but what the caller asks for, so a 1 GB IFC
 * costs its counts, not its text. Parameters are parsed only for the
 * instance types a caller needs (parseParams).
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { ExtractionError } from '../../../shared/extraction';

/** One statement is never allowed to grow past this (an unterminated string in a broken file). */
const MAX_STATEMENT = 64 * 1024 * 1024;

export type Section = 'none' | 'HEADER' | 'DATA' | 'END';

export interface StatementSink {
  /** A complete statement (without its ';'), trimmed, in the section it belongs to. */
  statement(text: string, section: Section): void;
}

export interface ReadSummary {
  /** END-ISO-10303-21 was seen. */
  complete: boolean;
  /** The file started with ISO-10303-21. */
  hasMagic: boolean;
  /** Characters of an unfinished statement at the end (a truncated file). */
  trailing: number;
  /** Its first characters. */
  tail: string;
  bytes: number;
}

/** Feeds the sink every statement of the stream. */
export async function readStatements(stream: Readable, sink: StatementSink, onBytes?: (n: number) => void): Promise<ReadSummary> {
  const decoder = new StringDecoder('utf8');
  let buf: string[] = [];
  let bufLen = 0;
  let inString = false;
  let inComment = false;
  let prev = '';
  let section: Section = 'none';
  let hasMagic = false;
  let first = true;
  let complete = false;
  let bytes = 0;

  const emit = (raw: string) => {
    const s = raw.trim();
    if (!s) return;
    if (first) {
      first = false;
      if (s === 'ISO-10303-21') {
        hasMagic = true;
        return;
      }
    }
    if (s === 'HEADER') section = 'HEADER';
    else if (s === 'DATA' || s.startsWith('DATA(') || s.startsWith('DATA (')) section = 'DATA';
    else if (s === 'ENDSEC') section = 'none';
    else if (s === 'END-ISO-10303-21') {
      complete = true;
      section = 'END';
    } else sink.statement(s, section);
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    onBytes?.(bytes);
    const text = decoder.write(chunk);
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inComment) {
        if (c === 47 /* / */ && prev === '*') {
          inComment = false;
          start = i + 1;
        }
        prev = text[i]!;
        continue;
      }
      if (inString) {
        if (c === 39 /* ' */) inString = false; // a doubled '' re-enters at once on the next char
      } else if (c === 39) inString = true;
      else if (c === 42 /* * */ && prev === '/') {
        // Comment start: drop the '/' already taken into the statement.
        const part = text.slice(start, i - 1);
        if (part) {
          buf.push(part);
          bufLen += part.length;
        } else if (bufLen && buf[buf.length - 1]!.endsWith('/')) {
          buf[buf.length - 1] = buf[buf.length - 1]!.slice(0, -1);
        }
        inComment = true;
        prev = '';
        continue;
      } else if (c === 59 /* ; */) {
        buf.push(text.slice(start, i));
        emit(buf.join(''));
        buf = [];
        bufLen = 0;
        start = i + 1;
      }
      prev = text[i]!;
    }
    if (!inComment && start < text.length) {
      const part = text.slice(start);
      buf.push(part);
      bufLen += part.length;
    }
    if (bufLen > MAX_STATEMENT) {
      throw new ExtractionError('corrupt_file', `A statement runs past ${MAX_STATEMENT / 1024 / 1024} MiB without ending (an unterminated string?)`);
    }
    if (complete) break;
  }
  const rest = buf.join('').trim();
  return { complete, hasMagic, trailing: rest.length, tail: rest.slice(0, 200), bytes };
}

// --- Parameters -------------------------------------------------------------

export type StepValue =
  | { t: 's'; v: string }
  | { t: 'r'; v: number }
  | { t: 'e'; v: string }
  | { t: 'n'; v: number }
  | { t: 'typed'; name: string; args: StepValue[] }
  | { t: 'list'; v: StepValue[] }
  | { t: 'null' }
  | { t: 'derived' }
  | { t: 'bin'; v: string };

/** Decodes STEP string escapes: '' , \X\hh, \X2\...\X0\ (UTF-16), \X4\...\X0\ (UTF-32), \S\c, \P?\ page markers. */
export function decodeStepString(s: string): string {
  let out = s.replace(/''/g, "'");
  if (!out.includes('\\')) return out;
  out = out
    .replace(/\\X2\\([0-9A-Fa-f]+)\\X0\\/g, (_, hex: string) => {
      let r = '';
      for (let i = 0; i + 4 <= hex.length; i += 4) r += String.fromCharCode(parseInt(hex.slice(i, i + 4), 16));
      return r;
    })
    .replace(/\\X4\\([0-9A-Fa-f]+)\\X0\\/g, (_, hex: string) => {
      let r = '';
      for (let i = 0; i + 8 <= hex.length; i += 8) {
        const cp = parseInt(hex.slice(i, i + 8), 16);
        r += cp <= 0x10ffff ? String.fromCodePoint(cp) : '\uFFFD';
      }
      return r;
    })
    .replace(/\\X\\([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/\\S\\(.)/g, (_, ch: string) => String.fromCharCode(ch.charCodeAt(0) + 128))
    .replace(/\\P[A-I]\\/g, '')
    .replace(/\\\\/g, '\\');
  return out;
}

/** Parses a parameter list "(a,b,(c),'s',#1,.E.,$,*,T(1))" (iterative, no recursion). */
export function parseParams(src: string, from = 0): { values: StepValue[]; end: number } {
  let i = from;
  const n = src.length;
  while (i < n && src[i] !== '(') i++;
  if (i >= n) return { values: [], end: n };
  const root: StepValue[] = [];
  const stack: Array<{ items: StepValue[]; typed?: string }> = [{ items: root }];
  i++;
  let pendingName: string | null = null;
  while (i < n && stack.length) {
    const c = src[i]!;
    const top = stack[stack.length - 1]!;
    if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ',') {
      i++;
      continue;
    }
    if (c === ')') {
      stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) parent.items.push(top.typed !== undefined ? { t: 'typed', name: top.typed, args: top.items } : { t: 'list', v: top.items });
      i++;
      continue;
    }
    if (c === '(') {
      stack.push({ items: [], ...(pendingName !== null ? { typed: pendingName } : {}) });
      pendingName = null;
      i++;
      continue;
    }
    if (c === "'") {
      let j = i + 1;
      for (;;) {
        const q = src.indexOf("'", j);
        if (q < 0) {
          j = n;
          break;
        }
        if (src[q + 1] === "'") {
          j = q + 2;
          continue;
        }
        j = q;
        break;
      }
      top.items.push({ t: 's', v: decodeStepString(src.slice(i + 1, j)) });
      i = j + 1;
      continue;
    }
    if (c === '#') {
      let j = i + 1;
      while (j < n && src.charCodeAt(j) >= 48 && src.charCodeAt(j) <= 57) j++;
      top.items.push({ t: 'r', v: Number(src.slice(i + 1, j)) });
      i = j;
      continue;
    }
    if (c === '.') {
      const j = src.indexOf('.', i + 1);
      const end = j < 0 ? n : j;
      top.items.push({ t: 'e', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    if (c === '$') {
      top.items.push({ t: 'null' });
      i++;
      continue;
    }
    if (c === '*') {
      top.items.push({ t: 'derived' });
      i++;
      continue;
    }
    if (c === '"') {
      const j = src.indexOf('"', i + 1);
      const end = j < 0 ? n : j;
      top.items.push({ t: 'bin', v: src.slice(i + 1, end) });
      i = end + 1;
      continue;
    }
    // A number or a type name (typed parameter: IFCLABEL('x')).
    let j = i;
    while (j < n && !",()'".includes(src[j]!) && src[j] !== ' ') j++;
    const word = src.slice(i, j);
    let k = j;
    while (k < n && src[k] === ' ') k++;
    if (src[k] === '(' && /^[A-Za-z_]/.test(word)) {
      pendingName = word.toUpperCase();
      i = k;
      continue;
    }
    const num = Number(word);
    top.items.push(Number.isFinite(num) ? { t: 'n', v: num } : { t: 'e', v: word });
    i = j;
  }
  return { values: root, end: i };
}

/** "#12=IFCWALL(...)" -> { id: 12, type: 'IFCWALL', body offset }; complex "#5=(A()B())" -> type of the first part. */
export function instanceHead(stmt: string): { id: number; type: string; complex: boolean; paramsAt: number } | null {
  if (stmt.charCodeAt(0) !== 35 /* # */) return null;
  const eq = stmt.indexOf('=');
  if (eq < 0) return null;
  const id = Number(stmt.slice(1, eq));
  if (!Number.isInteger(id)) return null;
  let i = eq + 1;
  while (stmt[i] === ' ' || stmt[i] === '\n' || stmt[i] === '\r' || stmt[i] === '\t') i++;
  if (stmt[i] === '(') {
    let j = i + 1;
    while (stmt[j] === ' ' || stmt[j] === '\n' || stmt[j] === '\r') j++;
    let k = j;
    while (k < stmt.length && /[A-Za-z0-9_]/.test(stmt[k]!)) k++;
    return { id, type: stmt.slice(j, k).toUpperCase(), complex: true, paramsAt: k };
  }
  let k = i;
  while (k < stmt.length && /[A-Za-z0-9_]/.test(stmt[k]!)) k++;
  return { id, type: stmt.slice(i, k).toUpperCase(), complex: false, paramsAt: k };
}

/** Names of the parts of a complex instance "(A(...)B(...)C(...))". */
export function complexParts(stmt: string, from: number): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inStr = false;
  let word = '';
  const eq = stmt.indexOf('=');
  for (let i = stmt.indexOf('(', eq); i < stmt.length; i++) {
    const c = stmt[i]!;
    if (inStr) {
      if (c === "'") inStr = false;
      continue;
    }
    if (c === "'") inStr = true;
    else if (c === '(') {
      if (depth === 1 && word) parts.push(word.toUpperCase());
      word = '';
      depth++;
    } else if (c === ')') depth--;
    else if (depth === 1 && /[A-Za-z0-9_]/.test(c)) word += c;
    else if (depth === 1) word = '';
  }
  void from;
  return parts;
}

export const str = (v: StepValue | undefined): string | undefined => (v?.t === 's' ? v.v : v?.t === 'typed' ? str(v.args[0]) : undefined);
export const ref = (v: StepValue | undefined): number | undefined => (v?.t === 'r' ? v.v : undefined);
export const refs = (v: StepValue | undefined): number[] => (v?.t === 'list' ? v.v.map(ref).filter((x): x is number => x !== undefined) : []);

/** A typed or plain value as display text: IFCLABEL('x') -> "x", IFCBOOLEAN(.T.) -> "true". */
export function display(v: StepValue | undefined): string | number | boolean | null {
  if (!v) return null;
  switch (v.t) {
    case 's':
      return v.v;
    case 'n':
      return v.v;
    case 'e':
      return v.v === 'T' ? true : v.v === 'F' ? false : v.v === 'U' ? null : v.v;
    case 'typed':
      return v.args.length === 1 ? display(v.args[0]) : v.args.map(display).join(', ');
    case 'list':
      return v.v.map(display).join(', ');
    case 'r':
      return `#${v.v}`;
    default:
      return null;
  }
}

/** FILE_DESCRIPTION / FILE_NAME / FILE_SCHEMA from header statements. */
export function parseHeader(statements: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of statements) {
    const name = /^([A-Z_]+)\s*\(/.exec(s)?.[1];
    if (!name) continue;
    const { values } = parseParams(s);
    const strings = (v: StepValue | undefined) =>
      v?.t === 'list' ? v.v.map(str).filter((x): x is string => x !== undefined && x !== '') : str(v) ? [str(v)!] : [];
    if (name === 'FILE_DESCRIPTION') {
      out.description = strings(values[0]);
      if (str(values[1])) out.implementationLevel = str(values[1]);
    } else if (name === 'FILE_NAME') {
      const [fname, stamp, author, org, pre, system, auth] = values;
      Object.assign(out, {
        fileName: str(fname),
        timeStamp: str(stamp),
        author: strings(author),
        organization: strings(org),
        preprocessorVersion: str(pre),
        originatingSystem: str(system),
        authorization: str(auth),
      });
    } else if (name === 'FILE_SCHEMA') {
      out.schema = strings(values[0]);
    }
  }
  for (const k of Object.keys(out)) {
    const v = out[k];
    if (v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) delete out[k];
  }
  return out;
}

// --- Model strings ------------------------------------------------------------

/** What a search reads of a model's strings at most (a 1 GB model holds hundreds of MB of them). */
const MAX_MODEL_STRINGS_CHARS = 16 * 1024 * 1024;
/** And how many: a Set entry costs ~50 bytes beyond its characters, so millions of tiny strings weigh more than the cap says. */
const MAX_MODEL_STRINGS = 500_000;

/**
 * Every distinct string value of a model's instances (names, descriptions,
 * GlobalIds, property values, labels and their alignments, units' names),
 * for the search index only (`indexOnly` of the result, see
 * shared/extraction.ts): an engineer searches a model for any value it
 * holds, as grep on the file would find it, while the extracted text stays
 * the model's readable summary. In order of first appearance, one a line.
 */
export class ModelStrings {
  private readonly seen = new Set<string>();
  private chars = 0;
  /** Strings left out past the caps (each occurrence counts: the distinct ones are not kept to be told apart). */
  dropped = 0;

  /** The string literals of one statement, from `from` (its parameters). */
  add(stmt: string, from = 0): void {
    // A statement with no quote costs one indexOf.
    if (stmt.indexOf("'", from) < 0) return;
    STRING_LITERAL.lastIndex = from;
    for (let m = STRING_LITERAL.exec(stmt); m; m = STRING_LITERAL.exec(stmt)) {
      const raw = m[1]!;
      if (!raw) continue;
      const value = (raw.includes('\\') || raw.includes("''") ? decodeStepString(raw) : raw).replace(/\s+/g, ' ').trim();
      if (!value || this.seen.has(value)) continue;
      if (this.chars + value.length > MAX_MODEL_STRINGS_CHARS || this.seen.size >= MAX_MODEL_STRINGS) {
        this.dropped++;
        continue;
      }
      // A copy: a slice of the read chunk would keep the whole ~64 KB chunk
      // alive in V8 (a GlobalId pins its chunk), so the strings of a large
      // model would hold most of the file in memory.
      this.seen.add(Buffer.from(value, 'utf8').toString('utf8'));
      this.chars += value.length + 1;
    }
  }

  get size(): number {
    return this.seen.size;
  }

  /** The result's index-only part, or nothing when the model holds no string. */
  indexOnly(): { label: string; text: string } | undefined {
    return this.seen.size ? { label: 'model strings', text: [...this.seen].join('\n') } : undefined;
  }
}

/** A STEP string: quotes doubled inside ('it''s'). */
const STRING_LITERAL = /'((?:[^']|'')*)'/g;
